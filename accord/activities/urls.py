from django.urls import path

from accord.activities import views
from accord.activities.views import calendar as views_calendar

app_name = "activities"

urlpatterns = [
    path("my-day/", views.my_day, name="my-day"),
    path("timeline/", views.timeline, name="timeline"),
    path("interactions/", views.interaction_list, name="interaction-list"),
    path("interactions/export/", views.interaction_export, name="interaction-export"),
    path("interactions/log/", views.log_interaction, name="interaction-log"),
    path("interactions/new/", views.interaction_new, name="interaction-new"),
    path("interactions/parties/", views.party_lookup, name="party-lookup"),
    path("interactions/<uuid:pk>/", views.interaction_edit, name="interaction-edit"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/export/", views.task_export, name="task-export"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<uuid:pk>/", views.task_edit, name="task-edit"),
    path("tasks/<uuid:pk>/toggle/", views.task_toggle, name="task-toggle"),
    path("calendar/", views_calendar.calendar_page, name="calendar"),
    path("calendar/events/", views_calendar.calendar_events, name="calendar-events"),
    path("calendar/move/", views_calendar.calendar_move, name="calendar-move"),
    path("calendar/feed/reset/", views_calendar.calendar_feed_reset, name="calendar-feed-reset"),
    path("calendar/feed/<str:token>.ics", views_calendar.calendar_feed, name="calendar-feed"),
]
