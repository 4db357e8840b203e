from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from config.mail import absolute_url
from org import access
from org.models import Persona, User
from org.permissions import persona_required

from . import calendar, selectors, services
from .models import CalendarFeed, Kind


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    items = list(selectors.notification_list(user=request.user))
    return render(request, "notifications/inbox.html", {"items": items})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("id")
    ids = [int(i) for i in raw if i.isdigit()] if raw else None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        for kind in Kind.values:
            services.preference_set(
                user=request.user,
                kind=kind,
                email=f"email-{kind}" in request.POST,
                in_app=f"app-{kind}" in request.POST,
            )
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    rows = selectors.preferences_for(user=request.user)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = (
        absolute_url(reverse("notifications:calendar_feed", args=[feed.token])) if feed else ""
    )
    return render(request, "notifications/preferences.html", {"rows": rows, "feed_url": feed_url})


@login_required
@require_POST
def calendar_manage(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        calendar.feed_revoke(user=request.user)
        messages.success(request, "Your calendar address is revoked; it no longer works.")
    else:
        calendar.feed_regenerate(user=request.user)
        messages.success(
            request, "Your calendar has a new private address; any earlier one stopped working."
        )
    return redirect("notifications:preferences")


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: the token in the address is the only credential."""
    user = calendar.feed_user(token=token)
    if user is None:
        return HttpResponse("No such calendar.\n", status=404, content_type="text/plain")
    response = HttpResponse(calendar.ical_for(user=user), content_type="text/calendar")
    response["Content-Disposition"] = 'inline; filename="trellis.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


# Mail clients send the RFC 8058 one-click POST without a CSRF token; the signed token in
# the address is what authorises it, and all it can do is turn one kind of e-mail off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = services.unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    kind_label = Kind(found[1]).label
    if request.method == "POST":
        services.unsubscribe(token=token)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind": kind_label})
    return render(request, "notifications/unsubscribe.html", {"kind": kind_label})


@persona_required(Persona.MANAGER)
@require_POST
def nudge(request: HttpRequest, user_id: int) -> HttpResponse:
    """The at-risk list's "nudge" button: one reminder a day to someone the manager sees."""
    if not access.can_view_person(request.user, user_id):
        return HttpResponse(status=404)
    recipient = get_object_or_404(User, pk=user_id, is_active=True)
    sent = services.nudge_send(
        sender=request.user,
        recipient=recipient,
        url=reverse("pathways:learn"),
        note=request.POST.get("note", "").strip(),
    )
    if sent:
        messages.success(request, f"{recipient.get_full_name()} got your nudge.")
    else:
        messages.info(request, f"You nudged {recipient.get_full_name()} today already.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("home")
    return redirect(back)
