"""The API's permission classes: each asks one question of reporting.permissions, nothing of its own."""
from rest_framework.permissions import BasePermission

from reporting.permissions import may_read_figures, may_read_plan, may_review_reports


class ReadsPlan(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and may_read_plan(request.user)


class ReadsFigures(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and may_read_figures(request.user)


class ReviewsReports(BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and may_review_reports(request.user)
