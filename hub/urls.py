from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hub.channels.webhook_views import receive_webhook

admin.site.site_header = "Channel hub admin"
admin.site.site_title = "Channel hub"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("hub.api.urls")),
    path("hooks/<int:account_id>/", receive_webhook, name="webhook"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("scan/", include("warehouse.scanner.urls")),
    path("scan/", include("warehouse.inbound.urls")),
    path("scan/", include("warehouse.picking.urls")),
    path("scan/", include("warehouse.shipping.urls")),
    path("scan/", include("warehouse.returns.urls")),
    path("scan/", include("warehouse.counts.urls")),
    path("", include("hub.dashboard.urls")),
]
