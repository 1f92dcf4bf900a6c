"""Smoke test of a client generated from openapi/openapi.json (openapi-python-client): log in,
create an APSP case, read it back. Run by .ci/client-smoke against a live server.

Usage: python client_smoke.py BASE_URL USERNAME PASSWORD (the generated package on PYTHONPATH)
"""
import datetime
import sys

from probity_client import AuthenticatedClient, Client
from probity_client.api.auth import auth_login
from probity_client.api.cases import cases_create, cases_get
from probity_client.models import CaseView, Category, CreateCase, LoginRequest, Source, TokenPair


def main() -> int:
    base_url, username, password = sys.argv[1:4]
    tokens = auth_login.sync(client=Client(base_url=base_url),
                             body=LoginRequest(username=username, password=password))
    if not isinstance(tokens, TokenPair):
        sys.exit(f"client smoke: login failed: {tokens!r}")
    client = AuthenticatedClient(base_url=base_url, token=tokens.access_token)
    received = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.timezone.utc)
    created = cases_create.sync(client=client, body=CreateCase(
        title="Officer contacting a domestic abuse victim", summary="Generated client smoke test.",
        source=Source.PUBLIC_REPORT, category=Category.APSP, received_at=received))
    if not isinstance(created, CaseView):
        sys.exit(f"client smoke: creating a case failed: {created!r}")
    read = cases_get.sync(id=created.id, client=client)
    if not isinstance(read, CaseView):
        sys.exit(f"client smoke: reading the case back failed: {read!r}")
    if read.category != Category.APSP or read.id != created.id or read.received_at != received:
        sys.exit(f"client smoke: the case read back differs: {read!r}")
    print(f"client smoke: logged in, created {read.reference} ({read.category.value}), read it back")
    return 0


if __name__ == "__main__":
    sys.exit(main())
