"""Attribute changes made during a web request to the signed-in person."""

from joinedup.history.recording import recorded_as


class ChangeContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        with recorded_as(user, actor=user.get_username() if user else "anonymous"):
            return self.get_response(request)
