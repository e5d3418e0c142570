"""What the roster tells higher apps (docs/adr/0002): sent inside the writer's transaction."""

from django.dispatch import Signal

# A drawn expert confirmed: kwargs seat (experts.models.Seat) and draw (its Draw). The receiver seats the
# expert where the draw's `subject` points (competitions: "competitions.event:<id>").
seat_confirmed = Signal()
