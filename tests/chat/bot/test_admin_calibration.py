"""The admin shows the calibrated floors beside the knowledge base."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from chat.bot.calibration import Calibration
from chat.bot.knowledge import DEMO_KB_PATH
from chat.bot.service import knowledge
from chat.models import KnowledgeCalibration

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    knowledge.reset()
    yield client
    knowledge.reset()


def test_before_any_import_the_list_says_it_is_not_calibrated_in_the_readers_language(admin_client):
    page = admin_client.get("/admin/chat/article/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="kb-calibration"' in page and "Not calibrated yet" in page
    page = admin_client.get("/admin/chat/article/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'id="kb-calibration"' in page and "尚未校准" in page


def test_after_an_import_the_list_shows_the_stored_floors(admin_client, warm_demo_vectors):
    # This process has not built its index: the page shows the floors the import stored.
    call_command("kb", "import", str(DEMO_KB_PATH), verbosity=0)
    row = KnowledgeCalibration.objects.get()
    stored = Calibration.from_dict(row.data)
    page = admin_client.get("/admin/chat/article/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{stored.answer_score:.3f}" in page and f"{stored.answer_margin:.3f}" in page
    assert f"{stored.covered} of {stored.positives} held-out" in page
    listing = admin_client.get("/admin/chat/knowledgecalibration/")
    assert listing.status_code == 200 and row.fingerprint in listing.content.decode()
    assert admin_client.get("/admin/chat/knowledgecalibration/add/").status_code == 403
