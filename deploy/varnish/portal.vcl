vcl 4.1;

# Portal's public answers behind Varnish, purged by surrogate key.
#
# Include this file from a VCL that declares the backend (gunicorn), as default.vcl does:
#
#     vcl 4.1;
#     include "./portal.vcl";
#     backend default { .host = "127.0.0.1"; .port = "8000"; .probe = portal_health; }
#
# and run Portal with PURGE_BACKEND=distribution.purge.Varnish and
# PURGE_VARNISH_URLS=http://<this varnish>:<port>. Needs varnish-modules (xkey).
#
# - Every public answer carries its surrogate keys (`Surrogate-Key: article-42 list section-3`);
#   they become xkey's keys here. Portal sends `xkey-softpurge: <keys>` (or `xkey-purge`) in a
#   PURGE request when a change commits; a plain PURGE drops the one URL (PURGE_BACKEND Urls).
# - `Surrogate-Control: max-age=N` from Portal sets how long Varnish keeps an answer (long:
#   purges keep it current, and Portal shortens it to the answer's own horizon, such as a
#   scheduled article's second); `Cache-Control` is left for browsers.
# - A soft-purged answer is refetched before it is served again while the backend is healthy;
#   it is served stale only while the backend is down (the probe), for up to a day.
# - The admin, the editor API, sign-in, and anything sent with credentials pass through.
# - An error answer is kept only when it carries keys (an article's 404, purged when it comes
#   out); any other error goes to the backend every time.

import std;
import xkey;

# Who may purge: the web and worker hosts. Add your own networks.
acl portal_purgers {
    "127.0.0.1";
    "::1";
}

probe portal_health {
    .url = "/healthz";
    .interval = 2s;
    .timeout = 1s;
    .window = 5;
    .threshold = 3;
    .initial = 3;
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ portal_purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.x-purged = xkey.softpurge(req.http.xkey-softpurge);
        } elsif (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
        } else {
            return (purge);
        }
        return (synth(200, "Purged " + req.http.x-purged + " objects"));
    }
    if (req.url ~ "^/metrics(\?|/|$)") {
        # Scrapers reach the web hosts directly; through the public edge nobody may.
        return (synth(404, "Not Found"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|api/v1/editor|api/v1/auth|api/v1/preview|readyz|healthz)" || req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);  # a signed-in editor
    }
    unset req.http.Cookie;
    # Only API errors differ by language (they carry Vary: Accept-Language): one copy per
    # language the API speaks, not one per browser's header. A list whose first language is
    # English asks for English; anything else gets the site's language.
    if (req.http.Accept-Language ~ "^\s*en([-_;,\s]|$)") {
        set req.http.Accept-Language = "en";
    } else {
        unset req.http.Accept-Language;
    }
    if (std.healthy(req.backend_hint)) {
        # Fresh answers only; the grace below is for a backend that is down.
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_backend_fetch {
    # RFC 8586: Portal answers a CDN's fetches from its shared cache, never from a web process's
    # memory that may predate the change just purged (so purges need not wait for it).
    if (bereq.http.CDN-Loop) {
        set bereq.http.CDN-Loop = bereq.http.CDN-Loop + ", portal-varnish";
    } else {
        set bereq.http.CDN-Loop = "portal-varnish";
    }
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key && !beresp.http.xkey) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    if (beresp.http.Surrogate-Control ~ "max-age=\d+") {
        set beresp.ttl = std.duration(
            regsub(beresp.http.Surrogate-Control, "^.*max-age=(\d+).*$", "\1") + "s", beresp.ttl);
    }
    if (beresp.status >= 400 && !beresp.http.xkey) {
        # An error no purge would reach (a typo'd address, an outage): not kept.
        set beresp.uncacheable = true;
        set beresp.ttl = 1s;
        return (deliver);
    }
    set beresp.grace = 1d;
    set beresp.keep = 1h;
    if (beresp.http.Content-Type ~ "json|xml|text/") {
        set beresp.do_gzip = true;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # Portal's keys and the cache's own lifetime are for this cache, not for readers; a
    # browser keeps the answer for its Cache-Control max-age from now.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Surrogate-Control;
    unset resp.http.CDN-Cache-Control;
    set resp.http.Age = "0";
}
