"""Two people edit from the same base: clean changes merge, clashing ones lose nothing."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import edit, edit_form_data, make_article, make_user
from wiki.editing import EditConflict, revision_values, save_edit
from wiki.errors import EditRefused
from wiki.models import Article, Revision

BODY = "Line one.\nLine two.\nLine three.\nLine four.\nLine five.\n"


def form_data(article, base, **changes):
    """What the edit form posts when its user started from revision `base`."""
    return edit_form_data(article, base=base, **{"tags": "", **changes})


@pytest.fixture
def article(db, autoconfirmed):
    return make_article("Moe", author=autoconfirmed, body=BODY)


@pytest.fixture
def other(db):
    return make_user("other", trust="autoconfirmed")


@pytest.mark.django_db
def test_non_overlapping_changes_merge_and_the_user_is_told(client, article, other):
    edit(article, other, body=BODY.replace("Line one.", "Line ONE."))  # revision 2
    client.force_login(article.created_by)
    response = client.post(
        "/wiki/moe/edit/",
        form_data(article, 1, body=BODY.replace("Line five.", "Line FIVE.")),
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("merged" in m for m in messages)
    assert article.revisions.count() == 3
    merged = article.revisions.get(number=3)
    assert merged.body == "Line ONE.\nLine two.\nLine three.\nLine four.\nLine FIVE.\n"
    assert merged.parent.number == 2
    article.refresh_from_db()
    assert article.published_revision == merged


@pytest.mark.django_db
def test_overlapping_changes_return_the_form_and_save_nothing(client, article, other):
    edit(article, other, body=BODY.replace("Line three.", "Their third line."))
    client.force_login(article.created_by)
    mine = BODY.replace("Line three.", "My third line.")
    response = client.post("/wiki/moe/edit/", form_data(article, 1, body=mine))
    html = response.content.decode()

    assert response.status_code == 409
    assert article.revisions.count() == 2
    assert "Edit conflict: nothing was saved yet" in html
    textarea = html.split('name="body"')[1].split("</textarea>")[0]
    assert "My third line." in textarea
    assert "Their third line." not in textarea
    # Their change is shown as a diff, and the clash is marked.
    assert "Their change (revision 1 → 2)" in html
    assert "<del>Line three</del><ins>Their third line</ins>." in html
    assert '<pre class="conflict-mine">My third line.</pre>' in html
    assert '<pre class="conflict-theirs">Their third line.</pre>' in html
    # Saving again now builds on their revision.
    assert 'name="base_revision" value="2"' in html


@pytest.mark.django_db
def test_resubmitting_the_conflicted_form_saves_the_users_text(client, article, other):
    edit(article, other, body=BODY.replace("Line three.", "Their third line."))
    client.force_login(article.created_by)
    mine = BODY.replace("Line three.", "My third line.")
    client.post("/wiki/moe/edit/", form_data(article, 1, body=mine))

    response = client.post("/wiki/moe/edit/", form_data(article, 1, body=mine, base_revision=2))
    assert response.status_code == 302
    assert article.revisions.get(number=3).body == mine


@pytest.mark.django_db
def test_both_changing_a_field_differently_is_a_conflict(client, article, other):
    edit(article, other, summary="Their summary.")
    client.force_login(article.created_by)
    response = client.post("/wiki/moe/edit/", form_data(article, 1, summary="My summary."))
    html = response.content.decode()

    assert response.status_code == 409
    assert article.revisions.count() == 2
    assert "Fields changed by both of you: <strong>summary</strong>" in html
    assert 'value="My summary."' in html


@pytest.mark.django_db
def test_one_changes_the_summary_the_other_the_body_and_both_are_kept(client, article, other):
    edit(article, other, summary="Their summary.")
    client.force_login(article.created_by)
    new_body = BODY + "Line six.\n"
    response = client.post("/wiki/moe/edit/", form_data(article, 1, body=new_body))

    assert response.status_code == 302
    merged = article.revisions.get(number=3)
    assert merged.summary == "Their summary."
    assert merged.body == new_body


@pytest.mark.django_db
def test_same_change_by_both_is_not_a_conflict(client, article, other):
    changed = BODY.replace("Line two.", "Line 2.")
    edit(article, other, body=changed)
    client.force_login(article.created_by)
    response = client.post("/wiki/moe/edit/", form_data(article, 1, body=changed))

    assert response.status_code == 302
    assert article.revisions.get(number=3).body == changed


@pytest.mark.django_db
def test_base_revision_that_does_not_exist_is_refused_with_the_text_kept(client, article):
    client.force_login(article.created_by)
    edit(article, article.created_by, body=BODY + "More.\n")
    response = client.post(
        "/wiki/moe/edit/", form_data(article, 1, body="Kept text.", base_revision=40)
    )

    assert response.status_code == 400
    assert "is not available" in response.content.decode()
    assert "Kept text.</textarea>" in response.content.decode()
    assert article.revisions.count() == 2


@pytest.mark.django_db
def test_save_edit_raises_conflict_with_the_other_revision(article, other):
    edit(article, other, body=BODY.replace("Line two.", "Theirs."))
    values = {**revision_values(article.revisions.get(number=1)), "body": "Mine.\n"}

    with pytest.raises(EditConflict) as caught:
        save_edit(
            author=article.created_by,
            article=article,
            values=values,
            base_number=1,
            check_rate=False,
        )
    assert caught.value.theirs.number == 2
    assert not caught.value.body_merge.clean
    assert article.revisions.count() == 2


@pytest.mark.django_db
def test_database_refuses_two_revisions_with_the_same_number(article):
    first = article.revisions.get(number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(
            article=article, number=1, title=first.title, summary=first.summary, body="Dup."
        )
    assert article.revisions.count() == 1


# --- the race on PostgreSQL ---------------------------------------------------------------


RACE_EDITS = {
    # Each writer changes one line; writers 0 and 1 clash on line 1, 2 and 3 on line 3.
    0: ("Line one.", "Line one, by writer 0."),
    1: ("Line one.", "Line one, by writer 1."),
    2: ("Line three.", "Line three, by writer 2."),
    3: ("Line three.", "Line three, by writer 3."),
    4: ("Line five.", "Line five, by writer 4."),
}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_from_one_base_lose_no_text():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    owner = make_user("owner", trust="autoconfirmed")
    writers = [make_user(f"writer{n}", trust="autoconfirmed") for n in RACE_EDITS]
    article = make_article("Race", author=owner, body=BODY)
    base = revision_values(article.revisions.get(number=1))
    barrier = threading.Barrier(len(writers))
    results: dict[int, object] = {}

    def write(n):
        old, new = RACE_EDITS[n]
        try:
            barrier.wait(timeout=10)
            results[n] = save_edit(
                author=writers[n],
                article=Article.objects.get(pk=article.pk),
                values={**base, "body": BODY.replace(old, new)},
                base_number=1,
                edit_summary=f"writer {n}",
                check_rate=False,
            )
        except (EditConflict, EditRefused) as exc:
            results[n] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in RACE_EDITS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == sorted(RACE_EDITS), "a writer got no answer"
    unexpected = [r for r in results.values() if not hasattr(r, "revision")]
    assert all(isinstance(r, EditConflict | EditRefused) for r in unexpected), unexpected

    revisions = list(Revision.objects.filter(article=article).order_by("number"))
    numbers = [r.number for r in revisions]
    assert numbers == list(range(1, len(revisions) + 1))
    saved = {n: r for n, r in results.items() if hasattr(r, "revision")}
    assert len(revisions) == 1 + len(saved)
    final = revisions[-1].body
    for n, outcome in saved.items():
        line = RACE_EDITS[n][1]
        assert line in outcome.revision.body, f"writer {n}'s text is not in their revision"
        assert line in final, f"writer {n}'s saved text was dropped by a later save"
    # The row lock queues the writers: of each clashing pair exactly one wins and the other
    # gets a conflict to resolve; writer 4 clashes with nobody and is merged.
    assert len({0, 1} & saved.keys()) == 1
    assert len({2, 3} & saved.keys()) == 1
    assert 4 in saved
    for n in set(RACE_EDITS) - saved.keys():
        assert isinstance(results[n], EditConflict)
        assert RACE_EDITS[n][1] in results[n].body_merge.conflicts[0].mine[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_constraint_holds_under_concurrent_inserts():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    article = make_article("Numbers", author=make_user("owner", trust="autoconfirmed"))
    barrier = threading.Barrier(2)
    errors = []

    def insert():
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                Revision.objects.create(
                    article_id=article.pk, number=2, title="Numbers", summary="S.", body="x"
                )
        except IntegrityError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=insert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(errors) == 1
    assert Revision.objects.filter(article=article, number=2).count() == 1


def test_someone_elses_rejected_revision_cannot_be_used_as_a_base(client, article, other):
    from tests.factories import edit as save
    from tests.factories import make_user
    from wiki.moderation import reject

    newbie = make_user("spammer", trust="new")
    moderator = make_user("moderator2", trust="moderator")
    rejected = save(article, newbie, body="SECRET-REJECTED-TEXT\n" + BODY).revision
    reject(rejected, moderator=moderator, reason="No")
    client.force_login(other)

    response = client.post(
        f"/wiki/{article.slug}/edit/",
        form_data(article, 1, base_revision=rejected.number, body="Mine.\n" + BODY),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "SECRET-REJECTED-TEXT" not in html
    assert "Mine." in html


def test_resaving_the_conflict_form_keeps_the_other_persons_separate_changes(
    client, article, other, autoconfirmed
):
    from tests.factories import edit as save

    lines = BODY.splitlines()
    theirs = "\n".join(["THEIR ONE.", lines[1], "THEIR THREE.", *lines[3:]]) + "\n"
    save(article, other, base=1, body=theirs, summary="Their summary.")
    mine = "\n".join([lines[0], lines[1], "MY THREE.", *lines[3:]]) + "\n"
    client.force_login(autoconfirmed)

    response = client.post(f"/wiki/{article.slug}/edit/", form_data(article, 1, body=mine))

    assert response.status_code == 409
    form = response.context["form"]
    assert "THEIR ONE." in form.data["body"] and "MY THREE." in form.data["body"]
    assert form.data["summary"] == "Their summary."
    resaved = client.post(f"/wiki/{article.slug}/edit/", form.data)
    assert resaved.status_code == 302
    article.refresh_from_db()
    body = article.published_revision.body
    assert "THEIR ONE." in body and "MY THREE." in body and "THEIR THREE." not in body
    assert article.published_revision.summary == "Their summary."
