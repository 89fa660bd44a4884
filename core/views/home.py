"""The staff start page."""

from django.shortcuts import render

from core import roles


def home(request):
    if not roles.is_staff_user(request.user):
        return render(request, "core/no_access.html", status=403)
    return render(request, "core/home.html")
