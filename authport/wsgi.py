import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "authport.settings.base")
application = get_wsgi_application()

# Everything loaded so far (modules, models, URL patterns, settings) lives as long as the process.
# Freezing it takes it out of the garbage collector's reach, so that a full collection walks only
# what requests left behind, not the whole application, every few thousand requests.
gc.freeze()
