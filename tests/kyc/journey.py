"""Given-steps for journey tests: a customer going through account opening over GraphQL."""

from __future__ import annotations

import json

from tests.kyc.cards import Card, back, encode, front
from tests.kyc.faces import photo, turn_head
from tests.kyc.test_liveness import DEGREES

FIELDS = "id state reasons maskedIdNumber maskedName faceScore accountId history { fromState toState actor reason }"
APPLICATION = """
  __typename
  ... on KycApplication { %s }
  ... on KycImageRejected { problem field message }
  ... on KycEngineBusy { retryAfterSeconds }
  ... on KycWrongState { state }
  ... on Error { message }
""" % FIELDS
START = "mutation { startAccountOpening { id state } }"
UPLOAD = """mutation($id: ID!, $side: IdCardSide!, $image: Upload!) {
  uploadIdCard(applicationId: $id, side: $side, image: $image) { %s } }""" % APPLICATION
CHALLENGE = """mutation($id: ID!) { startLivenessChallenge(applicationId: $id) {
  __typename ... on LivenessChallenge { id actions expiresInSeconds } ... on Error { message } } }"""
SUBMIT = """mutation($id: ID!, $challenge: ID!, $selfie: Upload!, $frames: [Upload!]!) {
  submitLiveness(applicationId: $id, challengeId: $challenge, selfie: $selfie, frames: $frames) { %s } }""" % APPLICATION
STATUS = "query($id: ID) { accountOpening(id: $id) { %s } }" % FIELDS
REVIEW = """mutation($id: ID!, $approve: Boolean!, $reason: String!) {
  reviewAccountOpening(applicationId: $id, approve: $approve, reason: $reason) { %s } }""" % APPLICATION


async def multipart(gql, query: str, variables: dict, files: dict[str, bytes], token: str) -> dict:
    """A GraphQL multipart request: ``files`` maps variable paths (``image``, ``frames.0``) to bytes."""
    names = {str(i): path for i, path in enumerate(files)}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps({"query": query, "variables": variables}),
              "map": json.dumps({n: [f"variables.{p}"] for n, p in names.items()})},
        files={n: (f"{n}.jpg", files[p], "image/jpeg") for n, p in names.items()},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


class Applicant:
    """One customer with an ID card and a face: ``person`` is a photo pair of one person."""

    def __init__(self, gql, session, engines, *, card: Card | None = None, person: str = "person_b") -> None:
        self.gql, self.session, self.engines = gql, session, engines
        self.card = card or Card(name="李秀英", sex="女")
        self.person = person
        self.application_id: str | None = None

    async def start(self) -> dict:
        result = await self.gql(START, token=self.session.access_token)
        self.application_id = result["data"]["startAccountOpening"]["id"]
        return result["data"]["startAccountOpening"]

    async def upload(self, side: str, image: bytes | None = None) -> dict:
        if image is None:
            drawn = front(self.card, photo(f"{self.person}_1")) if side == "FRONT" else back(self.card)
            image = encode(drawn, "JPEG", quality=85)
        result = await multipart(self.gql, UPLOAD, {"id": self.application_id, "side": side, "image": None},
                                 {"image": image}, self.session.access_token)
        return result["data"]["uploadIdCard"]

    async def challenge(self) -> dict:
        result = await self.gql(CHALLENGE, {"id": self.application_id}, token=self.session.access_token)
        return result["data"]["startLivenessChallenge"]

    def frames(self, actions: list[str], selfie_of: str | None = None) -> tuple[bytes, list[bytes]]:
        selfie = photo(selfie_of or f"{self.person}_2")
        face = self.engines.face.sample(selfie).face
        frames = [turn_head(selfie, DEGREES[a], nose_x=face.landmarks[2][0], face_width=face.width) for a in actions]
        return encode(selfie, "JPEG", quality=88), [encode(f, "JPEG", quality=88) for f in frames]

    async def submit(self, challenge: dict, selfie: bytes, frames: list[bytes]) -> dict:
        files = {"selfie": selfie} | {f"frames.{i}": f for i, f in enumerate(frames)}
        variables = {"id": self.application_id, "challenge": challenge["id"], "selfie": None,
                     "frames": [None] * len(frames)}
        result = await multipart(self.gql, SUBMIT, variables, files, self.session.access_token)
        return result["data"]["submitLiveness"]

    async def documents(self) -> dict:
        await self.start()
        await self.upload("FRONT")
        return await self.upload("BACK")

    async def whole_journey(self, selfie_of: str | None = None) -> dict:
        await self.documents()
        challenge = await self.challenge()
        selfie, frames = self.frames(challenge["actions"], selfie_of)
        return await self.submit(challenge, selfie, frames)

    async def status(self) -> dict:
        result = await self.gql(STATUS, {"id": self.application_id}, token=self.session.access_token)
        return result["data"]["accountOpening"]
