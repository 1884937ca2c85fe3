"""A NUL byte in the address or the query string gets the site's 400 page, not a 500: the
database (PostgreSQL) cannot take it, so it is refused before any view runs."""

import pytest

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/search/?q=%00",
    "/search/?q=x&tag=%00",
    "/search/?q=x&%00=y",
    "/search/suggest/?q=ab%00",
    "/tags/%00/",
    "/tags/%00/feed/",
    "/users/%00/",
    "/recent/?tag=%00",
    "/recent/?user=%00",
    "/wiki/%00/history/feed/",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_byte_in_the_address_gets_the_400_page(client, url):
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>That request did not make sense</h1>" in html
    assert 'class="site-header"' in html


@pytest.mark.parametrize("url", NUL_URLS[:3])
def test_a_signed_in_reader_gets_the_400_page_too(client, autoconfirmed, url):
    client.force_login(autoconfirmed)
    assert client.get(url).status_code == 400


def test_addresses_without_a_nul_byte_are_served_as_before(client):
    assert client.get("/search/?q=x&tag=").status_code == 200
