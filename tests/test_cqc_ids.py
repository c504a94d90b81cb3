"""CQC provider and location IDs: the '1-' form, and the ODS codes CQC uses for NHS bodies (issue 10)."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input, Static

from contingency.rules.identifiers import (
    BadIdentifier,
    check_cqc_location_id,
    check_cqc_provider_id,
)
from contingency.services.errors import BadInput
from contingency.services.incidents import build_facts
from contingency.tui.app import ContingencyApp
from contingency.tui.screens.incident import IncidentScreen
from contingency.tui.dialogs.incident_form import IncidentForm
from tests.conftest import NOW, OFFICER, make_runner, ok, refused
from tests.tui_support import SIZE

# RX3 and RX3LD: a care home with nursing in Stockton-on-Tees, run by an NHS foundation trust.
PROVIDERS = [
    ("1-101234567", "1-101234567"),
    ("1-12345678", "1-12345678"),
    ("1-12345678901", "1-12345678901"),
    ("  1-101234567 ", "1-101234567"),
    ("RX3", "RX3"),
    ("rx3", "RX3"),
    (" TAD ", "TAD"),
    ("R0A", "R0A"),
]
LOCATIONS = [
    ("1-109999001", "1-109999001"),
    ("RX3LD", "RX3LD"),
    ("rx3ld", "RX3LD"),
    ("RXXY1", "RXXY1"),
]
NEITHER = ["", "12345", "123", "1-1234567", "1-123456789012", "2-101234567", "1101234567", "1-10123456X",
           "RXX-1", "R-3", "RX3 LD", "RX3LDX", "RX", "ÅX3", "RX3!"]


@pytest.mark.parametrize(("text", "expected"), PROVIDERS)
def test_provider_ids_in_either_form_are_accepted_upper_cased(text, expected):
    assert check_cqc_provider_id(text) == expected


@pytest.mark.parametrize(("text", "expected"), LOCATIONS)
def test_location_ids_in_either_form_are_accepted_upper_cased(text, expected):
    assert check_cqc_location_id(text) == expected


@pytest.mark.parametrize("text", [*NEITHER, "RX3LD"])
def test_junk_or_a_location_code_is_not_a_provider_id(text):
    with pytest.raises(BadIdentifier) as caught:
        check_cqc_provider_id(text)
    message = str(caught.value)
    assert message.startswith("CQC provider ID")
    assert "1-101234567" in message and "RX3" in message and "3-character ODS code" in message


@pytest.mark.parametrize("text", [*NEITHER, "RX3"])
def test_junk_or_a_provider_code_is_not_a_location_id(text):
    with pytest.raises(BadIdentifier) as caught:
        check_cqc_location_id(text)
    message = str(caught.value)
    assert message.startswith("CQC location ID")
    assert "1-101234567" in message and "RX3LD" in message and "5-character ODS code" in message


def test_build_facts_stores_ods_codes_upper_cased(store):
    facts = build_facts(store, provider="Tees Esk and Wear Valleys", service="care-home", area="Leeds",
                        event="administration", aware_at=NOW, cqc_provider_id="rx3", cqc_location_ids=("rx3ld",))
    assert facts.cqc_provider_id == "RX3" and facts.cqc_location_ids == ("RX3LD",)
    with pytest.raises(BadInput, match="CQC location ID 'RX3LDX' should look like 1-101234567 .* or RX3LD"):
        build_facts(store, provider="X", service="care-home", area="Leeds", event="administration", aware_at=NOW,
                    cqc_location_ids=("RX3LDX",))


# --- the command line and the form ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> tuple:
    """The real script on a live store set up for Leeds (live stores run on the system clock)."""
    home = tmp_path_factory.mktemp("home")
    run = make_runner(home, timeout=120)
    path = home / "live.sqlite"
    ok(run("setup", "--authority", "Leeds", "--team", "EDT", "--officer", OFFICER, db=path))
    return run, path


OPEN = ("incident", "open", "--provider", "North Tees Nursing Home", "--service", "care-home", "--area", "Leeds",
        "--event", "administration")


def test_the_cli_opens_an_incident_with_an_nhs_trusts_ods_codes(live):
    run, path = live
    data = json.loads(ok(run(*OPEN, "--cqc-provider-id", "rx3", "--cqc-location-id", "RX3LD",
                             "--cqc-location-id", "1-109999001", "--json", db=path)).stdout)
    assert data["cqc_provider_id"] == "RX3"
    assert data["cqc_location_ids"] == ["RX3LD", "1-109999001"]
    shown = json.loads(ok(run("incident", "show", str(data["id"]), "--json", db=path)).stdout)
    assert shown["cqc_provider_id"] == "RX3" and shown["cqc_location_ids"] == ["RX3LD", "1-109999001"]


@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--cqc-provider-id", "RX3LD", "3-character ODS code"),
    ("--cqc-provider-id", "12345", "1-101234567"),
    ("--cqc-location-id", "RX3", "5-character ODS code"),
    ("--cqc-location-id", "RX3-LD", "RX3LD"),
])
def test_the_cli_refuses_junk_ids_saying_both_forms(live, flag, value, says):
    run, path = live
    message = refused(run(*OPEN, flag, value, db=path))
    assert value in message and says in message and "1-101234567" in message


async def test_the_incident_form_takes_an_ods_provider_code(store):
    app = ContingencyApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, IncidentForm)
        await pilot.press(*"North Tees Nursing Home")
        form.query_one("#cqc", Input).value = "RX3LD"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentForm), "a location code is not a provider ID"
        assert "3-character ODS code" in str(form.query_one("#f-cqc .field--message", Static).content)
        form.query_one("#cqc", Input).value = "rx3"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, IncidentScreen)
    (incident,) = store.incidents.list()
    assert incident.facts.cqc_provider_id == "RX3"
