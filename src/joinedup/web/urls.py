"""The site's addresses. Each group keeps the namespace of the app whose data it shows
(``strategy:theme``, ``places:area`` …), so links read the same wherever they are made."""

from django.urls import path

from joinedup.web.views import account, meetings, partnership, places, plans, reports, strategy
from joinedup.web.views import districts, gaps
from joinedup.web.views import maps
from joinedup.web.views import two_factor

account_urls = ([
    path("sign-in/", account.SignInView.as_view(), name="sign-in"),
    path("sign-out/", account.SignOutView.as_view(), name="sign-out"),
    path("sign-in/code/", two_factor.sign_in_code, name="sign-in-code"),
    path("two-factor/", two_factor.two_factor_settings, name="two-factor"),
    path("about-the-data/", account.AboutDataView.as_view(), name="about-data"),
    path("accessibility/", account.AccessibilityView.as_view(), name="accessibility"),
], "web")

partnership_urls = ([
    path("", partnership.overview, name="overview"),
    path("bodies/<slug:slug>/", partnership.body, name="body"),
    path("bodies/<slug:slug>/report/", reports.report, name="report"),
    path("bodies/<slug:slug>/meetings/new/", meetings.meeting_new, name="meeting-new"),
    path("bodies/<slug:slug>/meetings/<int:pk>/", meetings.meeting, name="meeting"),
    path("bodies/<slug:slug>/meetings/<int:pk>/items/<int:order>/", meetings.agenda_item,
         name="agenda-item"),
], "partnership")

strategy_urls = ([
    path("themes/", strategy.themes, name="themes"),
    path("themes/<slug:slug>/", strategy.theme, name="theme"),
    path("indicators/", strategy.indicators, name="indicators"),
    path("indicators/<slug:slug>/", strategy.indicator, name="indicator"),
    path("indicators/<slug:slug>/gap/", gaps.indicator_gap, name="indicator-gap"),
    path("gaps/", gaps.widening_gaps, name="gaps"),
    path("indicators/<slug:slug>/map/", maps.indicator_map, name="indicator-map"),
    path("districts/", districts.districts, name="districts"),
    path("districts/<slug:slug>/", districts.district, name="district"),
    path("plans/", plans.plans, name="plans"),
    path("plans/<int:pk>/", plans.plan, name="plan"),
], "strategy")

places_urls = ([
    path("", places.areas, name="areas"),
    path("<str:code>/", places.area, name="area"),
    path("<str:code>/profile/", places.profile, name="profile"),
    path("<str:code>/profile.pdf", places.profile_pdf, name="profile-pdf"),
], "places")
