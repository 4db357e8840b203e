"""In-process profile of the pages the load bench measures: `/learn/`, the module page and
the cohort dashboard (and `/healthz` for scale).

For each page: the mean time of a render through the whole middleware stack (production
settings, the demo's learner or manager signed in), the number of SQL queries, and with
`--profile` a pyinstrument call tree. Run it against a database seeded with the demo:

    DATABASE_URL=postgres://…/trellis_x python manage.py seed_demo
    DATABASE_URL=postgres://…/trellis_x python bench/profile_pages.py [--profile] [page …]

With `--queries`, also each SQL query and Redis command of one request (a pipeline or
an MGET is one round trip). Pages: learn, module, cohort, healthz (default: all). Not a
test, and not run by `make bench` (it reads a database it does not create).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-pages-only-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")

ROUNDS = 30


def _command(packed: object) -> str:
    """A Redis command as sent (one or several packed chunks), readably."""
    chunks = packed if isinstance(packed, list | tuple) else [packed]
    data = b"".join(c if isinstance(c, bytes) else bytes(c) for c in chunks)
    words = [w for w in data.split(b"\r\n") if w and w[:1] not in (b"*", b"$")]
    return "redis: " + " ".join(w.decode(errors="replace")[:60] for w in words)


def main() -> int:
    import django

    django.setup()
    from django.conf import settings

    # Static URLs without a collected manifest.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}
    from django.db.backends import utils
    from django.test import Client
    from redis.connection import Connection

    from org.models import User
    from pathways.models import Cohort, Enrollment

    learner = User.objects.get(email="learner@demo.example")
    manager = User.objects.get(email="manager@demo.example")
    enrollment = Enrollment.objects.filter(user=learner).select_related("pathway").first()
    module = enrollment.pathway.modules.order_by("order").first()
    cohort = Cohort.objects.order_by("id").first()
    pages = {
        "learn": ("/learn/", learner),
        "module": (f"/catalogue/{enrollment.pathway.slug}/modules/{module.slug}/", learner),
        "cohort": (f"/dashboards/cohorts/{cohort.pk}/", manager),
        "healthz": ("/healthz", None),
    }
    wanted = [a for a in sys.argv[1:] if not a.startswith("--")] or list(pages)
    for name in wanted:
        url, user = pages[name]
        client = Client()
        if user is not None:
            client.force_login(user)
        assert client.get(url).status_code == 200, name  # warm caches and templates
        queries: list[str] = []
        trips: list[bytes] = []
        execute = utils.CursorWrapper._execute
        send = Connection.send_packed_command

        def counted(self, sql, *args, _execute=execute, _seen=queries, **kwargs):  # type: ignore[no-untyped-def]
            _seen.append(sql)
            return _execute(self, sql, *args, **kwargs)

        def sent(self, command, *args, _send=send, _seen=trips, **kwargs):  # type: ignore[no-untyped-def]
            _seen.append(command)
            return _send(self, command, *args, **kwargs)

        utils.CursorWrapper._execute = counted  # type: ignore[method-assign]
        Connection.send_packed_command = sent  # type: ignore[method-assign]
        try:
            client.get(url)
        finally:
            utils.CursorWrapper._execute = execute  # type: ignore[method-assign]
            Connection.send_packed_command = send  # type: ignore[method-assign]
        started = time.perf_counter()
        for _ in range(ROUNDS):
            client.get(url)
        mean = (time.perf_counter() - started) / ROUNDS * 1000
        print(
            f"{name}: {mean:.1f} ms per request, {len(queries)} queries, "
            f"{len(trips)} Redis round trips ({url})"
        )
        if "--queries" in sys.argv:
            for sql in queries:
                print("   ", sql[:300])
            for command in trips:
                print("   ", _command(command)[:300])
        if "--profile" in sys.argv:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(ROUNDS):
                client.get(url)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
