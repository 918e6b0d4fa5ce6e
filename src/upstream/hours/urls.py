from django.urls import URLPattern

app_name = "hours"

urlpatterns: list[URLPattern] = []
