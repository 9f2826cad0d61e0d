import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinedup.settings")
application = get_wsgi_application()


def _warm_charts() -> None:
    from joinedup.common.charts import warm_up

    warm_up()


# Start the chart renderer while the server waits for its first request.
threading.Thread(target=_warm_charts, name="warm-charts", daemon=True).start()
