"""edc.pgurl.postgres_env: PostgreSQL URL -> eventsourcing.postgres settings."""

import pytest

from edc.pgurl import postgres_env


def _env(dbname: str, host: str, port: str, user: str, password: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": port,
        "POSTGRES_USER": user,
        "POSTGRES_PASSWORD": password,
    }


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://edc:secret@db.example:5433/trial",
            _env("trial", "db.example", "5433", "edc", "secret"),
        ),
        (
            "postgres://edc:secret@db.example:5433/trial",
            _env("trial", "db.example", "5433", "edc", "secret"),
        ),
        ("POSTGRESQL://edc@localhost/trial", _env("trial", "localhost", "5432", "edc", "")),
        ("postgresql://edc@127.0.0.1:6543/trial", _env("trial", "127.0.0.1", "6543", "edc", "")),
        ("postgresql://edc:@127.0.0.1/trial", _env("trial", "127.0.0.1", "5432", "edc", "")),
        ("postgresql://edc@127.0.0.1:/trial", _env("trial", "127.0.0.1", "5432", "edc", "")),
        ("  postgresql://edc@h/trial\n", _env("trial", "h", "5432", "edc", "")),
        ("postgresql://edc@[::1]:5433/trial", _env("trial", "::1", "5433", "edc", "")),
        ("postgresql://edc@[::1]/trial", _env("trial", "::1", "5432", "edc", "")),
        # Case is kept in host, user and database name.
        ("postgresql://Edc@DB.example/Trial", _env("Trial", "DB.example", "5432", "Edc", "")),
    ],
)
def test_valid_urls(url: str, expected: dict[str, str]) -> None:
    assert postgres_env(url) == expected


def test_percent_encoded_parts_are_decoded() -> None:
    env = postgres_env("postgresql://us%40er:p%3Ass%2Fw%40rd%25@db:5432/my%20db")
    assert env["POSTGRES_USER"] == "us@er"
    assert env["POSTGRES_PASSWORD"] == "p:ss/w@rd%"
    assert env["POSTGRES_DBNAME"] == "my db"


def test_plus_is_not_a_space() -> None:
    assert postgres_env("postgresql://u:a+b@h/d")["POSTGRES_PASSWORD"] == "a+b"


def test_unicode_password() -> None:
    assert postgres_env("postgresql://u:%C3%A9t%C3%A9@h/d")["POSTGRES_PASSWORD"] == "été"


def test_unix_socket_directory_as_encoded_host() -> None:
    env = postgres_env("postgresql://edc@%2Frun%2FPostgreSQL/trial")
    assert env["POSTGRES_HOST"] == "/run/PostgreSQL"


def test_unescaped_at_sign_in_password_still_finds_the_host() -> None:
    env = postgres_env("postgresql://edc:p@ss@db:5433/trial")
    assert env["POSTGRES_PASSWORD"] == "p@ss"
    assert env["POSTGRES_HOST"] == "db"


def test_all_values_are_strings() -> None:
    env = postgres_env("postgresql://edc:pw@db:5433/trial")
    assert all(isinstance(v, str) for v in env.values())


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "scheme"),
        ("db.example:5432/trial", "scheme"),
        ("mysql://edc@db/trial", "scheme"),
        ("postgresql+psycopg://edc@db/trial", "scheme"),
        ("postgresql:/edc@db/trial", "scheme"),
        ("postgresql://db.example/trial", "no user name"),
        ("postgresql://@db.example/trial", "no user name"),
        ("postgresql://:pw@db.example/trial", "no user name"),
        ("postgresql://edc@/trial", "no host"),
        ("postgresql://edc@:5432/trial", "no host"),
        ("postgresql://edc@db", "no database name"),
        ("postgresql://edc@db/", "no database name"),
        ("postgresql://edc@db/a/b", "exactly one database name"),
        ("postgresql://edc@db:port/trial", "port"),
        ("postgresql://edc@db:0/trial", "port"),
        ("postgresql://edc@db:65536/trial", "port"),
        ("postgresql://edc@db:-1/trial", "port"),
        ("postgresql://edc@db:\uff15\uff14\uff13\uff12/trial", "port"),  # full-width digits
        ("postgresql://edc@db/trial?sslmode=require", "query"),
        ("postgresql://edc@db/trial#x", "fragments"),
        ("postgresql://edc@h1,h2/trial", "several hosts"),
        ("postgresql://edc@h1:5432,h2:5433/trial", "several hosts"),
        ("postgresql://edc@[::1/trial", "unclosed"),
        ("postgresql://edc@[::1]x/trial", "after the IPv6"),
        ("postgresql://edc:%zz@db/trial", "percent-escape"),
        ("postgresql://edc@db/tri%4", "percent-escape"),
        ("postgresql://edc:%ff@db/trial", "UTF-8"),
    ],
)
def test_malformed_urls_raise_value_error(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match="malformed PostgreSQL URL") as info:
        postgres_env(url)
    assert problem in str(info.value)


def test_error_message_does_not_leak_the_password() -> None:
    with pytest.raises(ValueError) as info:
        postgres_env("postgresql://edc:hunter2@db:notaport/trial")
    assert "hunter2" not in str(info.value)
    assert "edc:***@db" in str(info.value)


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        postgres_env(b"postgresql://edc@db/trial")  # type: ignore[arg-type]
