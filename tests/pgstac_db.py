"""A real pgstac database for tests and benchmarks: a server named by ``CROSSWALK_TEST_PGSTAC_DSN`` (.ci/run
starts one and exports it), one template database migrated with ``pypgstac migrate`` once per session, and a
fresh copy of it per test (``CREATE DATABASE ... TEMPLATE``, a fraction of a second).

Also loads the shared corpus's ml-model and MLM items into two collections with ``pypgstac``'s own loader.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ENV = "CROSSWALK_TEST_PGSTAC_DSN"
ML_MODEL_COLLECTION = "model_ecaas_agrifieldnet_gold_v1"  # the shared corpus's own ml-model collection
MLM_COLLECTION = "mlm-models"


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + name))


def admin_dsn() -> str | None:
    return os.environ.get(ENV) or None


def server_problem(dsn: str) -> str | None:
    """Why the server cannot be used, or None."""
    try:
        import psycopg
    except ImportError as e:  # the test extra installs it
        return f"psycopg is not installed ({e})"
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            if not _has_postgis(conn):
                return "PostGIS is not installed on the server (apt-get install postgresql-15-postgis-3)"
    except Exception as e:  # noqa: BLE001
        return f"cannot connect to {ENV}: {' '.join(str(e).split())}"
    return None


def _has_postgis(conn) -> bool:
    return bool(conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone())


def create_template(dsn: str) -> str:
    """A database migrated to pgstac (pypgstac migrate), used as the template of every test database."""
    import psycopg

    name = f"crosswalk_tpl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not _has_postgis(conn):
            raise RuntimeError("PostGIS is not installed on the server (apt-get install postgresql-15-postgis-3)")
        conn.execute(f'CREATE DATABASE "{name}"')
    target = with_database(dsn, name)
    pypgstac = [sys.executable, "-m", "pypgstac.pypgstac"]
    if subprocess.run([*pypgstac, "--help"], capture_output=True).returncode != 0:
        pypgstac = ["pypgstac"]
    # one migration at a time on the server: two at once (two test workers) race on pgstac's roles and grants,
    # which are the server's, and one fails with "tuple concurrently updated"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            subprocess.run([*pypgstac, "migrate", "--dsn", target], check=True, capture_output=True, text=True)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return name


_MIGRATION_LOCK = 0x63726F7373  # any key the tests alone use ("cross")


def create_database(dsn: str, template: str) -> str:
    import psycopg

    name = f"crosswalk_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return with_database(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REPO = Path(__file__).resolve().parents[1]
_GOLD = "radiantearth__model_ecaas_agrifieldnet_gold__stac__collection.json"


def corpus_dir(shared: Path) -> Path:
    """The shared real corpus (``<shared>/corpora/real``), or the project's own ``corpora/`` (the same kinds of
    documents, fewer) where it is absent."""
    real = shared / "corpora" / "real"
    return real if real.is_dir() else REPO / "corpora"


def corpus_items(shared: Path) -> dict[str, list[tuple[Path, dict]]]:
    """The shared corpus's ml-model and MLM Items that pgstac can hold (a geometry and a datetime or a
    start/end range; ids unique within their collection), keyed by the collection they go into, each with
    its source file. ``collection`` is set to that collection (pgstac requires it)."""
    out: dict[str, list[tuple[Path, dict]]] = {ML_MODEL_COLLECTION: [], MLM_COLLECTION: []}
    for family, cid in (("ml-model", ML_MODEL_COLLECTION), ("mlm", MLM_COLLECTION)):
        seen: set[str] = set()
        for path in sorted((corpus_dir(shared) / family).glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            for item in doc if isinstance(doc, list) else [doc]:
                if not storable(item) or item["id"] in seen:
                    continue
                seen.add(item["id"])
                out[cid].append((path, {**copy.deepcopy(item), "collection": cid}))
    return out


def storable(item: object) -> bool:
    if not (isinstance(item, dict) and item.get("type") == "Feature" and isinstance(item.get("id"), str)):
        return False
    props = item.get("properties") if isinstance(item.get("properties"), dict) else {}
    dated = bool(props.get("datetime")) or bool(props.get("start_datetime") and props.get("end_datetime"))
    return bool(item.get("geometry")) and dated


def corpus_collections(shared: Path) -> list[dict]:
    """The ml-model collection of the corpus (as published) and a plain collection for MLM items."""
    base = corpus_dir(shared) / "ml-model"
    path = base / _GOLD if (base / _GOLD).is_file() else base / "agrifieldnet-gold-collection.json"
    gold = json.loads(path.read_text(encoding="utf-8"))
    mlm = {
        "type": "Collection",
        "stac_version": "1.1.0",
        "id": MLM_COLLECTION,
        "description": "MLM model items of the shared corpus",
        "license": "other",
        "links": [],
        "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [[None, None]]}},
    }
    return [gold, mlm]


def load(dsn: str, collections: list[dict], items: list[dict]) -> None:
    """Load with pypgstac's loader (what operators use), upserting."""
    from pypgstac.db import PgstacDB
    from pypgstac.load import Loader, Methods

    db = PgstacDB(dsn=dsn)
    try:
        loader = Loader(db)
        loader.load_collections(iter(collections), insert_mode=Methods.upsert)
        loader.load_items(iter(items), insert_mode=Methods.upsert)
    finally:
        db.close()
