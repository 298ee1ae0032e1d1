"""Process entry points.

The service backend is selected here, before anything imports
oslo.messaging, so that eventlet (if chosen) is monkey-patched first.
"""

from migrator_scheduler import service_backend

service_backend.select()
