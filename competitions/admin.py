from django import forms
from django.contrib import admin, messages

from experts.models import Category
from experts.selectors import is_active_in_category
from miniprogram_api.admin import ReadOnlyAdmin

from . import board, services
from .models import (
    Appeal,
    Aspect,
    AuditLog,
    Award,
    AwardCertificate,
    BoardUpdate,
    Contest,
    ContestBoard,
    Entry,
    Event,
    Mark,
    ModerationRequest,
    PanelMember,
    PublishedResult,
    RecheckConfirmation,
    RecheckDraw,
    Section,
    SheetSubmission,
    Timekeeper,
    TimingRecord,
)


def _frozen(event) -> bool:
    """An event past draft: its scheme, entries and panel change only through the chief judge's logged
    change (POST /judging/events/{id}/scheme), never here (docs/SCORING.md "Scheme freeze")."""
    return event is not None and event.state != Event.State.DRAFT


class FrozenWithEvent:
    """Admin pages of scheme parts: read-only once their event has opened. `event_of(obj)` names it."""

    def event_of(self, obj):
        return obj

    def has_change_permission(self, request, obj=None):
        return not _frozen(self.event_of(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _frozen(self.event_of(obj)) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        if _frozen(self.event_of(obj)):
            return False
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj)
        return super().has_add_permission(request)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    fields = ["name", "order", "state", "aggregation", "trim_k", "tolerance"]
    readonly_fields = ["state"]
    show_change_link = True


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "venue", "starts_at", "freeze_at"]
    search_fields = ["name", "venue"]
    list_filter = ["org_unit"]
    autocomplete_fields = ["org_unit"]
    inlines = [EventInline]
    actions = ["rebuild_board"]

    @admin.action(description="重新计算实时榜单")
    def rebuild_board(self, request, queryset):
        for contest in queryset:
            board.rebuild(contest.id)
        self.message_user(request, "已重新计算", messages.SUCCESS)


class SectionInline(FrozenWithEvent, admin.TabularInline):
    model = Section
    extra = 0
    show_change_link = True


class PanelMemberForm(forms.ModelForm):
    """A seat added here follows the roster's rule (issue 15): an active expert of the 裁判 category, picked
    with a reason. Seats set before the roster existed are left as they are."""

    class Meta:
        model = PanelMember
        fields = ["event", "judge", "is_chief", "reason"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None and data.get("judge") is not None:
            if not is_active_in_category(data["judge"], Category.JUDGE):
                raise forms.ValidationError("只能指定专家库中在库的裁判类专家")
            if not (data.get("reason") or "").strip():
                raise forms.ValidationError({"reason": "指定裁判须填写理由"})
            self.instance.source = "picked"
        return data


class PanelInline(FrozenWithEvent, admin.TabularInline):
    model = PanelMember
    form = PanelMemberForm
    extra = 0
    autocomplete_fields = ["judge"]
    readonly_fields = ["source", "draw"]


@admin.register(Event)
class EventAdmin(FrozenWithEvent, admin.ModelAdmin):
    list_display = ["name", "contest", "state", "aggregation", "trim_k", "tolerance", "published_at"]
    list_filter = ["state", "aggregation", "contest"]
    search_fields = ["name", "contest__name"]
    readonly_fields = ["state", "locked_at", "published_at", "appeal_deadline"]
    inlines = [SectionInline, PanelInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        problems = services.scheme_problems(obj)
        if problems:
            self.message_user(request, "评分方案尚不完整：" + "；".join(problems), messages.WARNING)


class AspectInline(FrozenWithEvent, admin.TabularInline):
    model = Aspect
    extra = 0

    def event_of(self, obj):
        return obj.event if obj is not None else None


@admin.register(Section)
class SectionAdmin(FrozenWithEvent, admin.ModelAdmin):
    list_display = ["name", "event", "order", "weight"]
    list_filter = ["event__contest"]
    search_fields = ["name", "event__name"]
    inlines = [AspectInline]

    def event_of(self, obj):
        return obj.event if obj is not None else None


@admin.register(Aspect)
class AspectAdmin(FrozenWithEvent, admin.ModelAdmin):
    def event_of(self, obj):
        return obj.section.event if obj is not None else None

    list_display = ["name", "section", "kind", "max_mark", "scale_max"]
    list_filter = ["kind", "section__event"]
    search_fields = ["name", "section__name"]


@admin.register(Entry)
class EntryAdmin(FrozenWithEvent, admin.ModelAdmin):
    def event_of(self, obj):
        return obj.event if obj is not None else None

    list_display = ["code", "contestant", "org_unit", "event", "drawn_at"]
    list_filter = ["event", "org_unit"]
    search_fields = ["code", "contestant__display_name", "contestant__username"]
    autocomplete_fields = ["contestant", "org_unit"]
    readonly_fields = ["code", "drawn_at"]


@admin.register(PanelMember)
class PanelMemberAdmin(FrozenWithEvent, admin.ModelAdmin):
    form = PanelMemberForm
    readonly_fields = ["source", "draw"]

    def event_of(self, obj):
        return obj.event if obj is not None else None

    list_display = ["judge", "event", "is_chief", "source", "reason"]
    list_filter = ["is_chief", "event"]
    search_fields = ["judge__display_name", "event__name"]
    autocomplete_fields = ["judge"]


@admin.register(Mark)
class MarkAdmin(ReadOnlyAdmin):
    list_display = ["entry", "aspect", "judge", "value", "revision", "source", "actor", "created_at"]
    list_filter = ["source", "event", "aspect__kind"]
    search_fields = ["entry__code", "judge__display_name", "client_id", "reason"]


@admin.register(SheetSubmission)
class SheetSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["entry", "judge", "submitted_at"]
    list_filter = ["entry__event"]
    search_fields = ["entry__code", "judge__display_name"]


@admin.register(ModerationRequest)
class ModerationRequestAdmin(ReadOnlyAdmin):
    list_display = ["entry", "aspect", "source", "status", "requested_by", "created_at", "resolved_at"]
    list_filter = ["status", "source", "event"]
    search_fields = ["entry__code", "reason"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["entry", "aspect", "filed_by", "status", "decided_by", "created_at", "decided_at"]
    list_filter = ["status", "entry__event"]
    search_fields = ["entry__code", "reason", "decision_reason", "filed_by__display_name"]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "event", "entry", "aspect", "reason"]
    list_filter = ["action", "contest", "event"]
    search_fields = ["reason", "actor__display_name", "entry__code"]


@admin.register(ContestBoard)
class ContestBoardAdmin(ReadOnlyAdmin):
    list_display = ["contest", "seq", "updated_at"]
    search_fields = ["contest__name"]
    exclude = ["state"]


@admin.register(BoardUpdate)
class BoardUpdateAdmin(ReadOnlyAdmin):
    list_display = ["contest", "seq", "created_at"]
    list_filter = ["contest"]
    search_fields = ["contest__name"]


@admin.register(PublishedResult)
class PublishedResultAdmin(ReadOnlyAdmin):
    list_display = ["event", "version", "published_by", "published_at", "reason"]
    list_filter = ["event__contest"]
    search_fields = ["event__name", "reason"]


# --- recheck before publication (competitions/recheck.py): facts, read-only ------------------------------
@admin.register(RecheckDraw)
class RecheckDrawAdmin(ReadOnlyAdmin):
    list_display = ["event", "seed", "drawn_by", "created_at", "locked_at"]
    list_filter = ["event__contest"]
    search_fields = ["event__name", "seed"]


@admin.register(RecheckConfirmation)
class RecheckConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["draw", "entry", "total", "confirmed_by", "confirmed_at"]
    search_fields = ["entry__code", "note"]


# --- teams, sign-up and the lot draw (issue 17): written by the services, shown here ------------------------
from .models import EntryMember, LotDraw, SignUp  # noqa: E402  (kept in this block so the branches merge cleanly)

EntryAdmin.readonly_fields = [*EntryAdmin.readonly_fields, "team_name", "team_members", "workstation",
                              "carried_from", "carried_total"]


@admin.register(EntryMember)
class EntryMemberAdmin(ReadOnlyAdmin):
    """Teams are formed by sign-up and the lot draw (or competitions.teams.add_team), which check the rules."""
    list_display = ["entry", "member", "org_unit", "is_captain", "order"]
    list_filter = ["event"]
    search_fields = ["entry__code", "entry__team_name", "member__display_name"]


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    """Decided through the API (the organiser, with a reason), so every decision is in the audit log."""
    list_display = ["event", "applicant", "org_unit", "team_name", "skill_level", "status", "decided_by",
                    "created_at"]
    list_filter = ["status", "event"]
    search_fields = ["applicant__display_name", "team_name", "certificate_no"]


@admin.register(LotDraw)
class LotDrawAdmin(ReadOnlyAdmin):
    list_display = ["event", "seed", "algorithm", "drawn_by", "drawn_at"]
    search_fields = ["event__name", "seed"]


# --- practical timing, awards and award certificates (H5) -------------------------------------------------
@admin.register(Timekeeper)
class TimekeeperAdmin(admin.ModelAdmin):
    """计时员 are appointed per event by the organiser, also after the event opened (they mark nothing)."""

    list_display = ["event", "user"]
    list_filter = ["event__contest"]
    autocomplete_fields = ["user"]
    search_fields = ["event__name", "user__display_name", "user__username"]


@admin.register(TimingRecord)
class TimingRecordAdmin(ReadOnlyAdmin):
    list_display = ["entry", "kind", "at", "actor"]
    list_filter = ["kind", "entry__event"]
    search_fields = ["entry__code"]


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ["entry", "event", "tier", "rank", "total", "result"]
    list_filter = ["tier", "event"]
    search_fields = ["entry__code", "entry__contestant__display_name"]


@admin.register(AwardCertificate)
class AwardCertificateAdmin(ReadOnlyAdmin):
    list_display = ["code", "contestant_name", "event_name", "tier", "issued_at", "revoked_at"]
    list_filter = ["tier"]
    search_fields = ["code", "contestant_name"]
