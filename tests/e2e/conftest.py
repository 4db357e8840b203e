import pytest
from django.core.management import call_command


@pytest.fixture
def demo_org(transactional_db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def login(page, live_server):
    def do_login(email: str, password: str = "trellis-demo") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return do_login
