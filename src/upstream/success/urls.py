from django.urls import path

from upstream.success import views

app_name = "success"

urlpatterns = [
    path("success/", views.overview, name="overview"),
    path("success/organisations/<int:organisation_id>/", views.organisation_page, name="organisation"),
    path("success/organisations/<int:organisation_id>/interactions/", views.log_interaction, name="log_interaction"),
    path("success/tasks/", views.task_list, name="tasks"),
    path("success/tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("success/tasks/<int:task_id>/snooze/", views.task_snooze, name="task_snooze"),
]
