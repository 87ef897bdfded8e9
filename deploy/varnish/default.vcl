vcl 4.1;

# Varnish in front of one gunicorn on this host; list more backends with a director as needed.
include "./portal.vcl";

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .probe = portal_health;
}
