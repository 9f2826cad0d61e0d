from django.urls import path

from joinedup.web import views

app_name = "web"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("about-the-data/", views.AboutDataView.as_view(), name="about-data"),
    path("accessibility/", views.AccessibilityView.as_view(), name="accessibility"),
]
