from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from org import views as org_views
from org.forms import EmailAuthenticationForm

api_v1 = [
    path("", include("org.api.urls")),
    path("", include("pathways.api.urls")),
    path("", include("assessments.api.urls")),
    path("", include("incidents.api.urls")),
    path("", include("metrics.api.urls")),
]


class FaviconRedirect(RedirectView):
    """/favicon.ico → the hashed static favicon, looked up per request (not at import, so
    loading the URLs never needs the static manifest)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        return static("favicon.svg")


urlpatterns = [
    path("", org_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", org_views.token_list, name="token_list"),
    path("", include("org.urls")),
    path("", include("pathways.urls")),
    path("", include("assessments.urls")),
    path("", include("incidents.urls")),
    path("", include("metrics.urls")),
    path("", include("notifications.urls")),
    path("", include("org.account_urls")),
    path("", include("lrs.urls")),
    path("", include("credentials.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("scim/v2/", include("django_scim.urls", namespace="scim")),
    path("saml2/", include("org.saml.views")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("healthz", org_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links to.
    path(
        "favicon.ico",
        FaviconRedirect.as_view(),
        name="favicon",
    ),
    path("readyz", org_views.readyz, name="readyz"),
    path("metrics", org_views.prometheus_metrics, name="prometheus-metrics"),
]

handler500 = "config.errors.server_error"
