"""What the roster tells higher apps (docs/adr/0002): sent inside the writer's transaction."""

from django.dispatch import Signal

# A drawn expert confirmed: kwargs seat (experts.models.Seat) and draw (its Draw). The receiver seats the
# expert where the draw's `subject` points (competitions: "competitions.event:<id>").
seat_confirmed = Signal()

# An expert's record is being composed (the record API): kwargs expert (Expert) and engagements (its
# Engagement rows). A receiver may return {engagement_id: detail} for engagements it knows (competitions:
# the judge's analytics of a published event, under "judging"). Experts stays below: it never imports
# who answers (docs/adr/0073).
engagement_details = Signal()
