"""Hotline settings: one module, every value from a ``HOTLINE_*`` environment variable.

Defaults are safe for a laptop (SQLite under ``var/``, debug on, demo mode off).
``HOTLINE_MODE=production`` turns on the production checks in
``hotline.core.checks``: the process refuses to start with debug on, the
development secret key, no allowed hosts, or demo mode.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from hotline import languages as _languages
from hotline.conf import env_bool, env_choice, env_country, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("HOTLINE_VAR_DIR", str(BASE_DIR.parent / "var")))

MODE = env_choice("HOTLINE_MODE", "development", ("development", "production", "test"))
PRODUCTION = MODE == "production"

DEV_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("HOTLINE_SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("HOTLINE_DEBUG", not PRODUCTION)
# Django's technical 404/500 pages (URL list, tracebacks) while debugging; off: ours, always.
DEBUG_ERROR_PAGES = env_bool("HOTLINE_DEBUG_ERROR_PAGES", False)
ALLOWED_HOSTS = env_list(
    "HOTLINE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("HOTLINE_CSRF_TRUSTED_ORIGINS", [])

# Demo mode relaxes two-factor enrolment so a newcomer can click around at once.
# Every staff page then carries a red banner saying so; production refuses it.
DEMO = env_bool("HOTLINE_DEMO", False)

# This instance: the organisation it belongs to and the country it serves.
INSTANCE_NAME = env_str("HOTLINE_INSTANCE_NAME", "Hotline")
INSTANCE_COUNTRY = env_country("HOTLINE_COUNTRY", "FR")
BASE_URL = env_str("HOTLINE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The number public pages give; empty: the one of HOTLINE_COUNTRY in core/data/emergency_numbers.json.
EMERGENCY_NUMBER = env_str("HOTLINE_EMERGENCY_NUMBER", "")
# Help shown to reporters by concern (intake/help.py); a JSON file replaces or extends them.
HELP_RESOURCES_FILE = env_str("HOTLINE_HELP_RESOURCES_FILE", "")
# The footer of every page: a privacy notice (empty: our own /privacy/ page) and a contact.
PRIVACY_NOTICE_URL = env_str("HOTLINE_PRIVACY_NOTICE_URL", "")
CONTACT_EMAIL = env_str("HOTLINE_CONTACT_EMAIL", "")
CONTACT_URL = env_str("HOTLINE_CONTACT_URL", "")

# Intake: public rate limits (per salted, daily-rotating address hash kept only in the cache).
INTAKE_REPORTS_PER_HOUR = env_int("HOTLINE_INTAKE_REPORTS_PER_HOUR", 10, minimum=1)
# Concurrent company-API requests of one web process filed in one transaction, at most this many
# (group commit, hotline/core/group_commit.py); 1 files every request alone.
INTAKE_GROUP_LIMIT = env_int("HOTLINE_INTAKE_GROUP_LIMIT", 64, minimum=1)
INTAKE_STATUS_CHECKS_PER_HOUR = env_int("HOTLINE_INTAKE_STATUS_CHECKS_PER_HOUR", 30, minimum=1)

# Hosting trace: DNS, offline IP data (or .mmdb files), RDAP abuse contacts.
HOSTING_RESOLVER = env_choice("HOTLINE_HOSTING_RESOLVER", "dns", ("dns", "static"))
# e.g. "192.0.2.53", "127.0.0.1:5353", "[2001:db8::53]:53"; empty: the system's /etc/resolv.conf
HOSTING_DNS_SERVERS = env_list("HOTLINE_HOSTING_DNS_SERVERS", [])
HOSTING_DNS_TIMEOUT = env_int("HOTLINE_HOSTING_DNS_TIMEOUT", 5, minimum=1)
HOSTING_MMDB_COUNTRY = env_str("HOTLINE_HOSTING_MMDB_COUNTRY", "")
HOSTING_MMDB_ASN = env_str("HOTLINE_HOSTING_MMDB_ASN", "")
HOSTING_RDAP_URL = env_str("HOTLINE_HOSTING_RDAP_URL", "https://rdap.org/")  # empty: no RDAP
HOSTING_RDAP_TIMEOUT = env_int("HOTLINE_HOSTING_RDAP_TIMEOUT", 10, minimum=1)
HOSTING_RDAP_CACHE_SECONDS = env_int("HOTLINE_HOSTING_RDAP_CACHE_HOURS", 24, minimum=0) * 3600
# Fixed tables (code, not environment) for demos and tests: host -> [IPs]; IP/CIDR -> facts.
HOSTING_STATIC_HOSTS: dict[str, list[str]] = {}
HOSTING_STATIC_IPS: dict[str, dict[str, object]] = {}
# "demo": the demo world's fixed table of reserved names stands in for DNS, IP data and RDAP
# (the default in demo mode; two-instance tests use it too).
HOSTING_STATIC_TABLES = env_choice(
    "HOTLINE_HOSTING_STATIC_TABLES", "demo" if DEMO else "none", ("none", "demo")
)
if HOSTING_STATIC_TABLES == "demo":
    from hotline.demo_network import DEMO_HOSTS, DEMO_IPS

    HOSTING_RESOLVER = "static"
    HOSTING_STATIC_HOSTS = DEMO_HOSTS
    HOSTING_STATIC_IPS = DEMO_IPS
    HOSTING_RDAP_URL = ""

# Matching: PDQ match distance and quality floor, limits against decompression bombs.
MATCHING_PDQ_MAX_DISTANCE = env_int("HOTLINE_MATCHING_PDQ_MAX_DISTANCE", 31, minimum=0)
MATCHING_PDQ_MIN_QUALITY = env_int("HOTLINE_MATCHING_PDQ_MIN_QUALITY", 50, minimum=0)
MATCHING_MAX_IMAGE_PIXELS = env_int("HOTLINE_MATCHING_MAX_IMAGE_PIXELS", 89_478_485, minimum=1)
MATCHING_MAX_IMAGE_BYTES = env_int("HOTLINE_MATCHING_MAX_IMAGE_MB", 64, minimum=1) * 1024 * 1024
MATCHING_INDEX_REFRESH_SECONDS = env_int("HOTLINE_MATCHING_INDEX_REFRESH_SECONDS", 30, minimum=0)
# vPDQ (video): frames hashed every N seconds; a query video matches a known one when at least
# QUERY_MATCH_PERCENT of its usable frames and INDEX_MATCH_PERCENT of the known video's are
# within MAX_DISTANCE of a frame of the other (HMA's defaults: 80 and 0); frames below
# MIN_QUALITY are left out. Videos longer than MAX_MINUTES or taking longer than
# TIMEOUT_SECONDS to decode are refused.
VPDQ_SECONDS_PER_HASH = env_int("HOTLINE_VPDQ_SECONDS_PER_HASH", 1, minimum=1)
VPDQ_MAX_DISTANCE = env_int("HOTLINE_VPDQ_MAX_DISTANCE", 31, minimum=0)
VPDQ_MIN_QUALITY = env_int("HOTLINE_VPDQ_MIN_QUALITY", 50, minimum=0)
VPDQ_QUERY_MATCH_PERCENT = env_int("HOTLINE_VPDQ_QUERY_MATCH_PERCENT", 80, minimum=0)
VPDQ_INDEX_MATCH_PERCENT = env_int("HOTLINE_VPDQ_INDEX_MATCH_PERCENT", 0, minimum=0)
VPDQ_MAX_MINUTES = env_int("HOTLINE_VPDQ_MAX_MINUTES", 600, minimum=1)
VPDQ_TIMEOUT_SECONDS = env_int("HOTLINE_VPDQ_TIMEOUT_SECONDS", 900, minimum=1)
# Media uploads: off by default (hashes and metadata only). When on: encrypted at rest with
# AES-GCM keys from HOTLINE_MEDIA_KEYS ("id:base64,..."; first is current), purged after retention.
MEDIA_UPLOADS = env_bool("HOTLINE_MEDIA_UPLOADS", False)

# CyberTipline-compatible API (docs/cybertip.md): report XML is validated against NCMEC's
# published XSD, read from this path; without it the endpoints answer 503 and accept nothing.
_NCMEC_XSD = (
    BASE_DIR.parent.parent / "shared" / "testdata" / "ncmec" / "NCMEC Report Validcation.xsd"
)
CYBERTIP_XSD = env_str("HOTLINE_CYBERTIP_XSD", str(_NCMEC_XSD) if _NCMEC_XSD.is_file() else "")
# An unfinished report is deleted this many hours after it was opened or IDLE hours after its
# last change, whichever is later (NCMEC's reference flow: 24 and 1).
CYBERTIP_EXPIRY_HOURS = env_int("HOTLINE_CYBERTIP_EXPIRY_HOURS", 24, minimum=1)
CYBERTIP_IDLE_HOURS = env_int("HOTLINE_CYBERTIP_IDLE_HOURS", 1, minimum=1)
CYBERTIP_MAX_XML_BYTES = env_int("HOTLINE_CYBERTIP_MAX_XML_BYTES", 2_000_000, minimum=1024)
CYBERTIP_MAX_FILE_BYTES = env_int("HOTLINE_CYBERTIP_MAX_FILE_BYTES", 500_000_000, minimum=1)
MEDIA_KEYS = env_str("HOTLINE_MEDIA_KEYS", "")
MEDIA_DIR = env_str("HOTLINE_MEDIA_DIR", str(VAR_DIR / "media"))
MEDIA_MAX_BYTES = env_int("HOTLINE_MEDIA_MAX_MB", 50, minimum=1) * 1024 * 1024
MEDIA_RETENTION_DAYS = env_int("HOTLINE_MEDIA_RETENTION_DAYS", 90, minimum=1)
MEDIA_CLEAR_VIEW = env_bool("HOTLINE_MEDIA_CLEAR_VIEW", True)
if MEDIA_UPLOADS and not MEDIA_KEYS:
    raise ImproperlyConfigured(
        "HOTLINE_MEDIA_KEYS: media uploads are on, so an encryption key is required"
    )
MATCHING_API_REQUESTS_PER_MINUTE = env_int(
    "HOTLINE_MATCHING_API_REQUESTS_PER_MINUTE", 120, minimum=1
)

# Hash-only removal requests (docs/self-reported.md): hashes computed in the person's browser.
# Per connection and hour (salted, daily-rotating hash, cache only); files per request; video
# frames (one per second) per file. The allow-list names known benign, widely shared images
# (one "md5:<hex>" or "pdq:<hex>" per line, or a bare hash); a request with a file on it is held
# for a staff check instead of being shared. PDQ counts as on it within this Hamming distance.
SELF_REPORT_SUBMISSIONS_PER_HOUR = env_int("HOTLINE_SELF_REPORT_SUBMISSIONS_PER_HOUR", 5, minimum=1)
SELF_REPORT_MAX_FILES = env_int("HOTLINE_SELF_REPORT_MAX_FILES", 50, minimum=1)
SELF_REPORT_MAX_VIDEO_FRAMES = env_int("HOTLINE_SELF_REPORT_MAX_VIDEO_FRAMES", 3600, minimum=1)
SELF_REPORT_ALLOWLIST_FILE = env_str("HOTLINE_SELF_REPORT_ALLOWLIST_FILE", "")
SELF_REPORT_ALLOWLIST_PDQ_DISTANCE = env_int(
    "HOTLINE_SELF_REPORT_ALLOWLIST_PDQ_DISTANCE", 31, minimum=0
)

# Takedown: notices repeat until removal; escalation; liveness re-checks (SSRF-safe, no bodies kept).
TAKEDOWN_REPLY_TO = env_str("HOTLINE_TAKEDOWN_REPLY_TO", "")  # default: HOTLINE_EMAIL_FROM
TAKEDOWN_REPEAT_HOURS = env_int("HOTLINE_TAKEDOWN_REPEAT_HOURS", 24, minimum=1)
TAKEDOWN_ESCALATE_AFTER = env_int("HOTLINE_TAKEDOWN_ESCALATE_AFTER", 3, minimum=1)
TAKEDOWN_ESCALATION_EMAIL = env_str("HOTLINE_TAKEDOWN_ESCALATION_EMAIL", "")
TAKEDOWN_CONFIRM_REMOVAL_MINUTES = env_int(
    "HOTLINE_TAKEDOWN_CONFIRM_REMOVAL_MINUTES", 60, minimum=0
)
LIVENESS_INTERVAL_MINUTES = env_int("HOTLINE_LIVENESS_INTERVAL_MINUTES", 60, minimum=1)
LIVENESS_BATCH = env_int("HOTLINE_LIVENESS_BATCH", 500, minimum=1)
LIVENESS_PROXY = env_str("HOTLINE_LIVENESS_PROXY", "")
# Tests only: let the checker reach a server on 127.0.0.1 (refused in production mode).
LIVENESS_ALLOW_LOOPBACK = env_bool("HOTLINE_LIVENESS_ALLOW_LOOPBACK", False)
if PRODUCTION and LIVENESS_ALLOW_LOOPBACK:
    raise ImproperlyConfigured(
        "HOTLINE_LIVENESS_ALLOW_LOOPBACK: for tests only; it must be off in production"
    )
LIVENESS_PORTS = env_list("HOTLINE_LIVENESS_PORTS", ["80", "443", "8080", "8443"])
LIVENESS_CONNECT_TIMEOUT = env_int("HOTLINE_LIVENESS_CONNECT_TIMEOUT", 5, minimum=1)
LIVENESS_READ_TIMEOUT = env_int("HOTLINE_LIVENESS_READ_TIMEOUT", 10, minimum=1)
LIVENESS_DEADLINE = env_int("HOTLINE_LIVENESS_DEADLINE", 30, minimum=1)
LIVENESS_USER_AGENT = env_str(
    "HOTLINE_LIVENESS_USER_AGENT", "Mozilla/5.0 (compatible; liveness-check/1.0)"
)
LIVENESS_CA_FILE = env_str("HOTLINE_LIVENESS_CA_FILE", "")

# Federation: this instance's Ed25519 private key (PEM; use HOTLINE_FEDERATION_PRIVATE_KEY_FILE).
# Empty in development: a key is generated once under var/. Production refuses to federate without.
FEDERATION_PRIVATE_KEY = env_str("HOTLINE_FEDERATION_PRIVATE_KEY", "")
FEDERATION_MAX_AGE_SECONDS = env_int("HOTLINE_FEDERATION_MAX_AGE_SECONDS", 300, minimum=30)

# Audit log: the Ed25519 key that signs its tree heads (PEM; use HOTLINE_AUDIT_SIGNING_KEY_FILE).
# Empty in development: a key is generated once under var/. Production refuses to start without.
AUDIT_SIGNING_KEY = env_str("HOTLINE_AUDIT_SIGNING_KEY", "")
# After a key rotation: the retired public keys (hex, from 'hotline audit key'), so heads they
# signed still verify.
AUDIT_PREVIOUS_PUBLIC_KEYS = env_list("HOTLINE_AUDIT_PREVIOUS_PUBLIC_KEYS", [])
# The sequencer (a scheduler job; the scheduler checks every --interval seconds) integrates
# committed events into the tree this often, at most this many per signed head; the name signed
# heads carry (partners may anchor several logs).
AUDIT_SEQUENCE_SECONDS = env_int("HOTLINE_AUDIT_SEQUENCE_SECONDS", 5, minimum=1)
AUDIT_SEQUENCE_BATCH = env_int("HOTLINE_AUDIT_SEQUENCE_BATCH", 20_000, minimum=1)
AUDIT_LOG_ORIGIN = env_str("HOTLINE_AUDIT_LOG_ORIGIN", BASE_URL + "/audit")
# Where the sequencer keeps the newest signed head as a C2SP checkpoint, for a web server to
# publish to witnesses (empty: none is written; 'hotline audit checkpoint' gives one anyway).
AUDIT_CHECKPOINT_FILE = env_str("HOTLINE_AUDIT_CHECKPOINT_FILE", "")

# Tourism: days without an answer before a travel referral is flagged for follow-up; the month by
# whose end a Code member's annual report on the previous year is due; travel reports per hour.
TOURISM_FOLLOW_UP_DAYS = env_int("HOTLINE_TOURISM_FOLLOW_UP_DAYS", 60, minimum=1)
TOURISM_CODE_REPORT_DUE_MONTH = env_int("HOTLINE_TOURISM_CODE_REPORT_DUE_MONTH", 6, minimum=1)
TOURISM_REPORTS_PER_HOUR = env_int(
    "HOTLINE_TOURISM_REPORTS_PER_HOUR", INTAKE_REPORTS_PER_HOUR, minimum=1
)

# Monitoring: counts from 1 to N-1 are shown as "fewer than N" on the public transparency page.
MONITORING_SMALL_COUNT_THRESHOLD = env_int("HOTLINE_MONITORING_SMALL_COUNT_THRESHOLD", 5, minimum=1)
# Retention (days; 0 keeps forever), counted from when the record was closed or concluded. A
# purge clears what identifies people (contact, free text, URLs) and keeps the dated, classified
# skeleton every statistic reads, so figures stay equal. Defaults and reasons: docs/retention.md.
RETENTION_CONTACT_DAYS = env_int("HOTLINE_RETENTION_CONTACT_DAYS", 90, minimum=0)
RETENTION_REPORT_DAYS = env_int("HOTLINE_RETENTION_REPORT_DAYS", 730, minimum=0)
RETENTION_ITEM_DAYS = env_int("HOTLINE_RETENTION_ITEM_DAYS", 730, minimum=0)
RETENTION_REFERRAL_DAYS = env_int("HOTLINE_RETENTION_REFERRAL_DAYS", 1825, minimum=0)
RETENTION_TRAVEL_DAYS = env_int("HOTLINE_RETENTION_TRAVEL_DAYS", 1825, minimum=0)
RETENTION_MESSAGE_DAYS = env_int("HOTLINE_RETENTION_MESSAGE_DAYS", 90, minimum=0)
# Regions for statistics (code, not environment): {"code": {"name": ..., "countries": [...]}};
# empty: the UN M49 sub-regions (hotline.monitoring.regions).
MONITORING_REGIONS: dict[str, dict[str, str | list[str]]] = {}

# Feeds for ISPs, mobile operators, payment companies and partners (docs/feeds.md).
FEEDS_DIR = Path(env_str("HOTLINE_FEEDS_DIR", str(VAR_DIR / "feeds")))
FEEDS_RPZ_ZONE = env_str("HOTLINE_FEEDS_RPZ_ZONE", "rpz.hotline.invalid")
FEEDS_RPZ_ACTION = env_choice("HOTLINE_FEEDS_RPZ_ACTION", "nxdomain", ("nxdomain", "cname"))
FEEDS_RPZ_STOP_NAME = env_str("HOTLINE_FEEDS_RPZ_STOP_NAME", "")
FEEDS_RPZ_TTL = env_int("HOTLINE_FEEDS_RPZ_TTL", 300, minimum=0)
# e.g. "rndc reload rpz.hotline.invalid"; run after each atomic write of the zone file
FEEDS_RPZ_RELOAD_COMMAND = env_str("HOTLINE_FEEDS_RPZ_RELOAD_COMMAND", "")
FEEDS_PUBLISH_MINUTES = env_int("HOTLINE_FEEDS_PUBLISH_MINUTES", 5, minimum=1)
FEEDS_TAXII_PAGE_SIZE = env_int("HOTLINE_FEEDS_TAXII_PAGE_SIZE", 1000, minimum=1)
FEEDS_TAXII_MAX_PAGE = env_int("HOTLINE_FEEDS_TAXII_MAX_PAGE", 10000, minimum=1)
FEEDS_CONTACT = env_str("HOTLINE_FEEDS_CONTACT", "")  # empty: HOTLINE_EMAIL_FROM
FEEDS_COMPLAINTS_EMAIL = env_str("HOTLINE_FEEDS_COMPLAINTS_EMAIL", "")  # empty: HOTLINE_EMAIL_FROM
FEEDS_COMPLAINTS_URL = env_str("HOTLINE_FEEDS_COMPLAINTS_URL", "")

# Cases: how long an analyst holds a claimed item; which legality verdicts need a supervisor.
CLAIM_MINUTES = env_int("HOTLINE_CLAIM_MINUTES", 20, minimum=1)
FOUR_EYES = env_list("HOTLINE_FOUR_EYES", ["not_illegal"])
SEVERITY_SCHEME = env_str("HOTLINE_SEVERITY_SCHEME", "inhope")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "hotline.core",
    "hotline.accounts",
    "hotline.audit",
    "hotline.outbox",
    "hotline.hosting",
    "hotline.matching",
    "hotline.cases",
    "hotline.intake",
    "hotline.routing",
    "hotline.takedown",
    "hotline.feeds",
    "hotline.tourism",
    "hotline.monitoring",
    # The assembly layer: project URLs, navigation, demo data and the event pipeline
    # (hotline.site.pipeline connects every cross-app listener in its ready()).
    "hotline.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hotline.core.middleware.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hotline.core.middleware.OwnErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hotline.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "hotline.site.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hotline.site.context_processors.instance",
                "hotline.site.context_processors.language",
            ],
        },
    },
]

# Database: SQLite under var/ by default; HOTLINE_DATABASE_URL switches (postgres://...).
_database_url = env_str("HOTLINE_DATABASE_URL", "")
if _database_url:
    try:
        _db = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"HOTLINE_DATABASE_URL: expected a URL such as postgres://user@host:5432/name ({exc})"
        ) from None
else:
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "hotline.sqlite3"),
    }
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front: concurrent writers (web,
    # workers, scheduler) queue on the busy timeout instead of failing mid-transaction.
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not :memory:) so tests can start worker and server processes on the same
    # database; one per test session so concurrent sessions do not clobber each other.
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
elif _db["ENGINE"].startswith("django.db.backends.postgresql"):
    # One test database per test session, so concurrent sessions never share (or drop) one.
    _db.setdefault("TEST", {})["NAME"] = f"test_{_db['NAME']}_{os.getpid()}"
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff_home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff sessions end after a working day, or earlier when idle.
SESSION_COOKIE_AGE = env_int("HOTLINE_SESSION_HOURS", 8, minimum=1) * 3600
SESSION_IDLE_SECONDS = env_int("HOTLINE_SESSION_IDLE_MINUTES", 60, minimum=1) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# The CSRF cookie lives as long as the browser session: an anonymous reporter's device keeps
# no year-long trace of a visit. (Not CSRF_USE_SESSIONS: that would open a server-side session
# for every anonymous visitor of a public form.)
CSRF_COOKIE_AGE = None

# Login throttling: this many failures per account (or per client) lock it for the window.
LOGIN_MAX_FAILURES = env_int("HOTLINE_LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("HOTLINE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1) * 60

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "hotline",
    }
}
_redis_url = env_str("HOTLINE_REDIS_URL", "")
if _redis_url:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_url,
    }

# Background work: Django's Tasks API with the database backend; `hotline worker` runs them.
TASKS = {
    "default": {
        "BACKEND": env_str("HOTLINE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "enrichment", "delivery"],
    }
}
# A worker whose heartbeat is older than this is presumed dead; its task is retried.
WORKER_LEASE_SECONDS = env_int("HOTLINE_WORKER_LEASE_SECONDS", 60, minimum=2)
WORKER_HEARTBEAT_SECONDS = max(1, WORKER_LEASE_SECONDS // 4)
TASK_MAX_ATTEMPTS = env_int("HOTLINE_TASK_MAX_ATTEMPTS", 5, minimum=1)
# Throughput: tasks claimed per round trip (a small batch: a slow task delays the rest of its
# batch, not other workers), how often the outbox is polled while tasks keep coming (always
# when idle; 0: before every batch), and the queues whose tasks commit without waiting for the
# disk flush (PostgreSQL ``synchronous_commit = off``; see docs/scaling.md: derived, idempotent
# work only, redone if a database crash loses it).
WORKER_CLAIM_BATCH = env_int("HOTLINE_WORKER_CLAIM_BATCH", 10, minimum=1)
WORKER_OUTBOX_SECONDS = env_int("HOTLINE_WORKER_OUTBOX_SECONDS", 1, minimum=0)
WORKER_ASYNC_COMMIT_QUEUES = env_list("HOTLINE_WORKER_ASYNC_COMMIT_QUEUES", ["enrichment"])
# Outbox: attempts before a message is parked as failed, and the backoff base.
OUTBOX_MAX_ATTEMPTS = env_int("HOTLINE_OUTBOX_MAX_ATTEMPTS", 12, minimum=1)
OUTBOX_BACKOFF_SECONDS = env_int("HOTLINE_OUTBOX_BACKOFF_SECONDS", 30, minimum=1)
OUTBOX_LEASE_SECONDS = env_int("HOTLINE_OUTBOX_LEASE_SECONDS", 120, minimum=2)
OUTBOX_HTTP_TIMEOUT = env_int("HOTLINE_OUTBOX_HTTP_TIMEOUT", 20, minimum=1)

# Alerts by e-mail (hotline.core.alerts). The scheduler process checks them itself, so "no
# worker alive" is still noticed when no worker is; the audit chain is verified by a worker task.
ALERT_KINDS = ("no_worker", "queue_age", "parked", "feed_unpublished", "audit_chain")
ALERTS_KINDS = env_list("HOTLINE_ALERTS_KINDS", list(ALERT_KINDS))
if unknown_alerts := sorted(set(ALERTS_KINDS) - set(ALERT_KINDS)):
    raise ImproperlyConfigured(
        f"HOTLINE_ALERTS_KINDS: unknown {', '.join(unknown_alerts)}; "
        f"choose from {', '.join(ALERT_KINDS)}"
    )
ALERTS_RECIPIENTS = env_list("HOTLINE_ALERTS_RECIPIENTS", [])  # empty: every administrator
ALERTS_CHECK_SECONDS = env_int("HOTLINE_ALERTS_CHECK_SECONDS", 60, minimum=1)
ALERTS_REPEAT_MINUTES = env_int("HOTLINE_ALERTS_REPEAT_MINUTES", 60, minimum=1)
ALERTS_QUEUE_AGE_MINUTES = env_int("HOTLINE_ALERTS_QUEUE_AGE_MINUTES", 30, minimum=1)
ALERTS_FEED_UNPUBLISHED_MINUTES = env_int("HOTLINE_ALERTS_FEED_UNPUBLISHED_MINUTES", 30, minimum=1)
ALERTS_AUDIT_VERIFY_HOURS = env_int("HOTLINE_ALERTS_AUDIT_VERIFY_HOURS", 24, minimum=1)

# E-mail (notices to hosting providers go through the outbox, then here).
EMAIL_HOST = env_str("HOTLINE_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("HOTLINE_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("HOTLINE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("HOTLINE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HOTLINE_EMAIL_STARTTLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = env_str("HOTLINE_EMAIL_FROM", "hotline@example.test")
TAKEDOWN_REPLY_TO = TAKEDOWN_REPLY_TO or DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env_str("HOTLINE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# Internationalisation: every public string through gettext.
# The public pages speak every language of hotline.languages (the region's official languages
# and those of people on the move) unless HOTLINE_LANGUAGES narrows them; staff pages speak only
# HOTLINE_STAFF_LANGUAGES, whose catalogues cover the staff pages too (docs/translations.md).
LANGUAGE_CODE = "en"
try:
    PUBLIC_LANGUAGES = _languages.codes(env_list("HOTLINE_LANGUAGES", []))
    STAFF_LANGUAGES = _languages.codes(env_list("HOTLINE_STAFF_LANGUAGES", ["en", "fr", "ru"]))
except ValueError as _error:
    raise ImproperlyConfigured(f"HOTLINE_LANGUAGES / HOTLINE_STAFF_LANGUAGES: {_error}") from None
LANGUAGES = [
    (language.code, language.english)
    for language in _languages.LANGUAGES
    if language.code in PUBLIC_LANGUAGES or language.code in STAFF_LANGUAGES
]
LANGUAGES_BIDI = sorted(_languages.RTL)
_languages.register_with_django()
# The visitor's choice of language is kept in a cookie that ends with the browser session and
# holds nothing but the language code (no identifier): anonymous visitors get no session.
LANGUAGE_COOKIE_AGE = None
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # site-wide CSS and vendored htmx
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Development and tests serve straight from the app folders; production serves collectstatic output.
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Security headers. The CSP forbids inline script and style everywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
# which Django's CSRF check rightly refuses. Nothing leaks to other sites either way.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS-terminating proxy: which peers may say, in X-Forwarded-For/-Proto/-Host, who
# the client is and that it came over HTTPS (addresses or networks, comma-separated), and how
# many proxies deep the client's own address sits. `hotline run` believes those headers from
# these peers only and strips them from everyone else (hotline.core.proxy).
BEHIND_PROXY = env_bool("HOTLINE_BEHIND_PROXY", False)
TRUSTED_PROXIES = env_list("HOTLINE_TRUSTED_PROXIES", [])
TRUSTED_PROXY_HOPS = env_int("HOTLINE_TRUSTED_PROXY_HOPS", 1, minimum=1)
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            "HOTLINE_TRUSTED_PROXIES: expected IP addresses or networks such as 127.0.0.1 or "
            f"10.0.0.0/8, got {_proxy!r}"
        ) from None
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HOTLINE_SSL_REDIRECT", True)
    # A load balancer's health probe talks plain HTTP to the web process itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("HOTLINE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if BEHIND_PROXY:
        # For any WSGI server; under `hotline run` the header only survives from a trusted
        # proxy, and waitress has already set the scheme from it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HOTLINE_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django_tasks_db": {"level": "WARNING"}},
}
