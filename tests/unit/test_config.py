"""A wrong config fails at start with a message naming the field and what is wrong."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from queue_server.cli import main
from queue_server.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ward-center.toml"


@pytest.fixture
def raw() -> dict[str, Any]:
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


def test_example_centre_is_a_real_ward_centre() -> None:
    config = load_config(EXAMPLE)
    assert config.centre.languages[0] == "vi"
    assert {"vi", "en", "ar"} <= set(config.centre.languages)
    assert len(config.services) >= 6
    assert len(config.counters) >= 8
    names = {s.name["vi"] for s in config.services}
    assert {"Hộ tịch", "Chứng thực bản sao", "Đất đai", "Cư trú"} <= names
    for service in config.services:
        assert set(service.name) == {"vi", "en", "ar"}
    assert {p.code for p in config.priority_classes} >= {"elderly", "disabled", "pregnant"}
    assert any(s.band is not None for s in config.services)
    assert any(s.prefix is not None for s in config.services)
    assert config.hours.spans(0)  # open on Monday
    assert config.hours.spans(6) == []  # closed on Sunday


def expect_error(raw: dict[str, Any], *fragments: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_wrong_type_names_the_field(raw: dict[str, Any]) -> None:
    raw["counters"][2]["id"] = "three"
    expect_error(raw, "counters[2].id", "Expected `int`, got `str`")


def test_unknown_field_is_named(raw: dict[str, Any]) -> None:
    raw["services"][0]["prefx"] = "A"
    expect_error(raw, "services[0]", "unknown field `prefx`")


def test_missing_field_is_named(raw: dict[str, Any]) -> None:
    del raw["counters"][0]["services"]
    expect_error(raw, "counters[0]", "missing required field `services`")


def test_counter_with_unknown_service(raw: dict[str, Any]) -> None:
    raw["counters"][1]["services"] = ["HT", "XYZ"]
    expect_error(raw, "counters[1].services[1]", "unknown service 'XYZ'")


def test_duplicate_prefix_would_make_numbers_ambiguous(raw: dict[str, Any]) -> None:
    raw["services"][1]["prefix"] = raw["services"][0]["prefix"]
    expect_error(raw, "services[1].prefix", "ambiguous")


def test_service_needs_exactly_one_numbering(raw: dict[str, Any]) -> None:
    raw["services"][0]["band"] = [100, 199]
    expect_error(raw, "services[0]", "exactly one of 'prefix'")


def test_overlapping_bands(raw: dict[str, Any]) -> None:
    other = copy.deepcopy(raw["services"][-1])
    other["code"] = "X2"
    other["band"] = [9500, 9600]
    raw["services"].append(other)
    raw["counters"][0]["services"].append("X2")
    expect_error(raw, "services[8].band", "overlaps")


def test_service_nobody_serves(raw: dict[str, Any]) -> None:
    for counter in raw["counters"]:
        counter["services"] = [s for s in counter["services"] if s != "DD"]
    raw["counters"] = [c for c in raw["counters"] if c["services"]]
    expect_error(raw, "services[2]", "'DD' is not served by any counter")


def test_duplicate_counter(raw: dict[str, Any]) -> None:
    raw["counters"][3]["id"] = raw["counters"][0]["id"]
    expect_error(raw, "counters[3].id", "defined twice")


def test_bad_opening_hours(raw: dict[str, Any]) -> None:
    raw["hours"]["mon"] = ["07:30-12:00", "17:00-13:00"]
    expect_error(raw, "hours.mon[1]", "ends before it starts")
    raw["hours"]["mon"] = ["7h30-12h"]
    expect_error(raw, "hours.mon[0]", "HH:MM-HH:MM")


def test_unknown_time_zone(raw: dict[str, Any]) -> None:
    raw["centre"]["timezone"] = "Asia/Hanoi"
    expect_error(raw, "centre.timezone", "Asia/Hanoi")


def test_name_missing_in_default_language(raw: dict[str, Any]) -> None:
    del raw["services"][4]["name"]["vi"]
    expect_error(raw, "services[4].name", "default language 'vi'")


def test_text_in_a_language_the_centre_does_not_offer(raw: dict[str, Any]) -> None:
    raw["services"][0]["name"]["fr"] = "État civil"
    expect_error(raw, "services[0].name.fr", "not in centre.languages")


def test_priority_ratio_must_be_positive(raw: dict[str, Any]) -> None:
    raw["queue"]["priority_ratio"] = [2, 0]
    expect_error(raw, "queue.priority_ratio")


def test_durability_must_be_known(raw: dict[str, Any]) -> None:
    raw["store"]["durability"] = "sometimes"
    expect_error(raw, "store.durability", "'process'")


def test_keypad_on_unknown_counter(raw: dict[str, Any]) -> None:
    raw["devices"]["serial_lines"] = [
        {
            "name": "bus",
            "port": "/dev/ttyUSB0",
            "protocol": "keypad-rs485",
            "keypads": [{"address": 1, "counter": 99}],
        }
    ]
    expect_error(raw, "devices.serial_lines[0].keypads[0].counter", "no counter 99")


def test_printer_url_scheme(raw: dict[str, Any]) -> None:
    raw["devices"]["printers"][0]["url"] = "192.168.1.9:9100"
    expect_error(raw, "devices.printers[0].url", "tcp://")
    raw["devices"]["printers"][0]["url"] = "usb://epson"
    expect_error(raw, "devices.printers[0].url", "vendor:product")


def test_printer_profile_timeout_and_names(raw: dict[str, Any]) -> None:
    printers = raw["devices"]["printers"]
    printers[0]["profile"] = "TM-T88V"  # 512 dots: too narrow for 80 mm paper
    printers[1]["profile"] = "NoSuchModel"
    printers[1]["timeout_s"] = 5
    printers[1]["name"] = printers[0]["name"]
    expect_error(
        raw,
        "devices.printers[0].profile: profile 'TM-T88V' prints at most 512 dots",
        "devices.printers[1].profile: unknown python-escpos profile 'NoSuchModel'",
        "devices.printers[1].timeout_s: must be more than 0 and at most 2",
        "devices.printers[1].name: 'printer-door' is used twice",
    )


def test_printer_cutter(raw: dict[str, Any]) -> None:
    printers = raw["devices"]["printers"]
    printers[1]["profile"] = "NT-5890K"  # 58 mm; its python-escpos profile has no cutter
    printers[1]["cutter"] = True
    printers[0]["cutter"] = "partial"
    config = parse_config(raw)
    assert [p.cutter for p in config.devices.printers] == ["partial", True]
    del printers[0]["cutter"]
    assert parse_config(raw).devices.printers[0].cutter is None  # as the profile says
    printers[1]["cutter"] = "full"
    expect_error(
        raw,
        "devices.printers[1].cutter: Invalid enum value 'full' (allowed: true, false, 'partial')",
    )
    printers[1]["cutter"] = 1
    expect_error(raw, "devices.printers[1].cutter: Expected `bool | str | null`, got `int`")


def test_kiosks_name_known_printers(raw: dict[str, Any]) -> None:
    kiosk = raw["devices"]["kiosks"][0]
    kiosk["printers"] = ["printer-door", "printer-hall", "printer-door"]
    expect_error(
        raw,
        "devices.kiosks[0].printers[1]: unknown printer 'printer-hall'",
        "devices.kiosks[0].printers: a printer is listed twice",
    )
    kiosk["printers"] = []
    expect_error(raw, "devices.kiosks[0].printers: list at least one printer")
    raw["devices"]["kiosks"].append({"name": kiosk["name"], "printers": ["printer-desk"]})
    expect_error(raw, "devices.kiosks[1].name: kiosk 'kiosk-door' is listed twice")


def test_public_url(raw: dict[str, Any]) -> None:
    raw["server"]["public_url"] = "http://192.168.1.10:8080"
    parse_config(raw)
    raw["server"]["public_url"] = "192.168.1.10:8080"
    expect_error(raw, "server.public_url", "http://")


def test_allowed_origins_are_a_scheme_and_a_host(raw: dict[str, Any]) -> None:
    raw.setdefault("security", {})["allowed_origins"] = [
        "https://intranet.example",
        "http://192.168.1.10:8080",
        "http://[::1]:8080/",
    ]
    parse_config(raw)
    raw["security"]["allowed_origins"] = ["https://intranet.example/queue", "*"]
    expect_error(raw, "security.allowed_origins[0]", "security.allowed_origins[1]", "no path")


def test_version_is_required(raw: dict[str, Any]) -> None:
    raw["version"] = 2
    expect_error(raw, "version", "expected 1")


def test_every_problem_is_reported_at_once(raw: dict[str, Any]) -> None:
    raw["counters"][0]["services"] = ["NOPE"]
    raw["queue"]["max_wait_minutes"] = -1
    expect_error(raw, "counters[0].services[0]", "queue.max_wait_minutes")


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "centre.toml"
    bad.write_text("version = 1\n[centre\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"centre\.toml: not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")


def test_check_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(EXAMPLE)]) == 0
    assert "OK" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace('services = ["CU"]', 'services = ["CUU"]'),
        encoding="utf-8",
    )
    assert main(["check-config", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "counters[6].services[0]: unknown service 'CUU'" in err


def test_the_target_wait_is_checked_and_kept_from_the_engine(raw: dict[str, Any]) -> None:
    """The supervisor's target colours the lines; the engine never reads it, so changing it
    keeps the saved day-end states (fingerprinted by the engine's setup) usable."""
    assert parse_config(raw).queue.target_wait_minutes == 20
    raw["queue"]["target_wait_minutes"] = 15
    config = parse_config(raw)
    assert config.queue.target_wait_minutes == 15
    assert not hasattr(config.queue_setup().rules, "target_wait_minutes")
    raw["queue"]["target_wait_minutes"] = 0
    expect_error(raw, "queue.target_wait_minutes")


def test_city_link_defaults_to_the_centres_id(raw: dict[str, Any]) -> None:
    raw["city"] = {"dsn": "postgresql://ward@city.example/city?sslmode=verify-full"}
    config = parse_config(raw)
    assert config.city is not None and config.city_centre_id == config.centre.id
    raw["city"]["centre_id"] = "hn-ba-dinh-2"
    assert parse_config(raw).city_centre_id == "hn-ba-dinh-2"


def test_city_link_needs_a_postgresql_dsn_and_a_plain_id(raw: dict[str, Any]) -> None:
    raw["city"] = {"dsn": "mysql city", "centre_id": "ba dinh; DROP"}
    expect_error(raw, "city.dsn: expected a PostgreSQL URL", "city.centre_id: 'ba dinh; DROP'")
    raw["city"] = {"centre_id": "x"}
    expect_error(raw, "city", "dsn")


def test_example_centre_lists_procedures_for_every_service() -> None:
    config = load_config(EXAMPLE)
    for service in config.services:
        assert service.procedures, service.code
        for procedure in service.procedures:
            assert procedure.name["vi"] and procedure.papers["vi"], procedure.code


def test_unknown_procedure_field_is_named(raw: dict[str, Any]) -> None:
    raw["services"][0]["procedures"][1]["wrods"] = ["cưới"]
    expect_error(raw, "services[0].procedures[1]", "unknown field `wrods`")


def test_procedure_rules(raw: dict[str, Any]) -> None:
    procedures = raw["services"][0]["procedures"]
    procedures[1]["code"] = procedures[0]["code"]
    procedures[2]["words"]["fr"] = ["décès"]
    procedures[3]["name"] = {"en": "Marital status"}
    procedures[4]["papers"] = {"en": ["Citizen ID card"]}
    expect_error(
        raw,
        "services[0].procedures[1].code: procedure 'khai-sinh' is listed twice in 'HT'",
        "services[0].procedures[2].words.fr: language not in centre.languages",
        "services[0].procedures[3].name: missing text in the default language 'vi'",
        "services[0].procedures[4].papers: missing the list in the default language 'vi'",
    )


def test_booked_numbers_can_never_be_a_walk_ins(raw: dict[str, Any]) -> None:
    """`HA001` is the booked series of prefix A: no service may own a prefix "HA"."""
    raw["services"][1]["prefix"] = "HB"
    expect_error(raw, "services[1].prefix", "starts with appointments.number_prefix 'H'")
    raw["appointments"]["enabled"] = False  # nothing is booked: the prefix is free
    parse_config(raw)


def test_booked_numbering_is_checked(raw: dict[str, Any]) -> None:
    raw["appointments"]["number_prefix"] = "h1"
    expect_error(raw, "appointments.number_prefix", "0-3 capital letters")
    raw["appointments"]["number_prefix"] = "H"
    raw["appointments"]["bands"] = {"XX": [1, 9]}
    expect_error(raw, "appointments.bands.XX", "no such service")
    band = raw["services"][-1]["band"]
    raw["appointments"]["bands"] = {"CT": [band[0], band[0] + 5]}
    expect_error(raw, "appointments.bands.CT", "overlaps the band of service")
    raw["appointments"]["bands"] = {"CT": [7001, 7999], "HT": [7500, 7600]}
    expect_error(raw, "appointments.bands.HT", "overlaps the booked band of service 'CT'")
    raw["appointments"]["bands"] = {"CT": [7001, 7999]}
    parse_config(raw)
