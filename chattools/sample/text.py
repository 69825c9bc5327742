"""Fixed vocabularies of the sample channel: names, tags, support-bot paths, messages.

Pure data plus a few helpers that draw from it with a seeded ``random.Random``.
Nothing here holds real customer data.

Examples
--------
>>> import random
>>> len(TAG_NAMES) >= 55, any("," in t and ", " not in t for t in TAG_NAMES)
(True, True)
>>> customer_text(random.Random(1)) is None or isinstance(customer_text(random.Random(1)), str)
True
"""

from __future__ import annotations

import random

__all__ = [
    "BOT_GREETINGS",
    "CLOSED_NOTICE",
    "FAMILY_NAMES",
    "GIVEN_NAMES",
    "INTERNAL_TALK",
    "SECTION_PATHS",
    "TAG_NAMES",
    "customer_text",
    "manager_text",
    "note_text",
    "person_name",
]

FAMILY_NAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신")
GIVEN_NAMES = (
    "민준", "서연", "지훈", "하은", "도윤", "지우", "예준", "수아", "시우", "지민",
    "유진", "현우", "채원", "건우", "다은", "우진", "소윤", "준서", "은서", "태윤",
)  # fmt: skip
ENGLISH_NAMES = ("Alex Kim", "Jamie Park", "Chris Lee", "Sam Choi", "Taylor Jung", "Morgan Han")

#: The channel's chat tags: commas without a following space, slashes, ``[group]`` prefixes.
TAG_NAMES = (
    "환불", "결제", "배송", "교환", "반품", "쿠폰", "적립금", "회원가입", "로그인", "비밀번호",
    "refund,partial", "refund,full", "refund,denied", "billing/invoice", "billing/receipt",
    "billing/card", "billing/tax invoice", "shipping/delay", "shipping/lost", "shipping/address",
    "[app]crash", "[app]login", "[app]push", "[app]update", "[web]결제오류", "[web]느림",
    "[web]브라우저", "[B2B]견적", "[B2B]계약", "[B2B]세금계산서", "VIP", "신규고객", "재문의",
    "불만", "칭찬", "버그", "기능요청", "문의/기타", "문의/제휴", "문의/채용", "상품/재고",
    "상품/사이즈", "상품/품질", "이벤트", "프로모션,봄", "프로모션,여름", "해외배송", "정기구독",
    "구독/해지", "구독/변경", "API", "SDK", "연동/카카오", "연동/네이버", "spam", "test",
    "urgent", "follow-up", "escalated", "CSAT/low",
)  # fmt: skip

#: Support-bot section paths (each a list of section names).
SECTION_PATHS = (
    ("시작", "주문/배송", "배송 조회"),
    ("시작", "주문/배송", "주소 변경"),
    ("시작", "환불/교환", "환불 요청"),
    ("시작", "환불/교환", "교환 요청"),
    ("시작", "계정", "비밀번호 재설정"),
    ("시작", "상담원 연결"),
    ("Start", "Billing", "Refund"),
)

BOT_GREETINGS = (
    "안녕하세요! 무엇을 도와드릴까요? 😊",
    "Hi there! How can we help you today?",
    "반갑습니다. 아래 메뉴에서 문의 유형을 선택해 주세요.",
)
CLOSED_NOTICE = (
    "지금은 운영시간이 아닙니다.\n"
    "운영시간(평일 09:00-18:00, 점심 12:00-13:00)에 순차적으로 답변드리겠습니다."
)

_CUSTOMER = (
    "안녕하세요", "결제가 두 번 된 것 같아요.", "환불 요청드립니다.", "배송이 아직 안 왔어요 ㅠㅠ",
    "앱이 계속 꺼져요", "비밀번호를 잊어버렸어요", "쿠폰이 적용이 안 됩니다",
    "주문번호는 20260115-0042 입니다", "언제쯤 처리될까요?", "혹시 주말에도 상담 가능한가요?",
    "영수증 발급 가능할까요?", "네 확인했습니다", "감사합니다!", "아직 해결이 안 됐어요",
    "사진 첨부합니다", "Hi, I was charged twice this month.", "Can I get a refund?",
    "The app keeps crashing on iOS.", "Any update on this?", "Thanks a lot!", "ok",
    "Where is my order?", "I can't log in to my account.", "?", "ㅇㅇ",
)  # fmt: skip
_MANAGER = (
    "안녕하세요, 고객님. 확인 후 안내드리겠습니다.", "잠시만 기다려 주세요.",
    "불편을 드려 죄송합니다.", "환불 처리 완료되었습니다. 영업일 기준 3~5일 소요됩니다.",
    "주문번호 알려주시겠어요?", "확인해 보니 내일 도착 예정입니다.", "추가로 궁금하신 점 있으실까요?",
    "비밀번호 재설정 링크를 메일로 보내드렸습니다.", "Hello! Let me check that for you.",
    "I've issued the refund; it may take 3-5 business days.", "Could you share a screenshot?",
    "Is there anything else I can help with?", "감사합니다. 좋은 하루 보내세요!",
)  # fmt: skip
_NOTES = (
    "@김지훈 환불 건 확인 부탁드려요", "결제 PG사 확인 필요", "VIP 고객, 우선 처리",
    "같은 건으로 3번째 문의", "@billing please double-check the invoice",
)  # fmt: skip
#: What a team says among itself about a chat it does not answer (internal talk).
INTERNAL_TALK = (
    "이 고객 지난주에도 같은 문의", "환불 규정 확인 중입니다", "@김지훈 이 건 봐주실 수 있나요?",
    "답변 보류, 내일 확인", "spam? ignore for now",
)  # fmt: skip
_SPECIAL_CUSTOMER = (
    "N/A",
    '=IF(A1>0,"ok","no") 엑셀 수식이 안 먹혀요',
    "=== 주문 내역 ===\n상품 A x 2\n상품 B x 1",
    "@상담원 빨리 답변 부탁드려요",
)
_SPECIAL_MANAGER = ("@결제팀 환불 요청 건 공유드립니다", "=1+1 이렇게 입력해 보시겠어요?")


def person_name(rng: random.Random) -> str:
    """A Korean (mostly) or English person name."""
    if rng.random() < 0.12:
        return rng.choice(ENGLISH_NAMES)
    return rng.choice(FAMILY_NAMES) + rng.choice(GIVEN_NAMES)


def _compose(rng: random.Random, pool: tuple[str, ...]) -> str:
    r = rng.random()
    if r < 0.18:  # multi-line
        return "\n".join(rng.sample(pool, rng.randint(2, 4)))
    if r < 0.185:  # a long paste, up to ~2.5k characters
        return "\n\n".join(rng.choice(pool) * rng.randint(10, 30) for _ in range(4))[:2500]
    return rng.choice(pool)


def customer_text(rng: random.Random) -> str | None:
    """A customer message; ``None`` for a file-only message (empty cell)."""
    r = rng.random()
    if r < 0.03:
        return None
    if r < 0.035:
        return rng.choice(_SPECIAL_CUSTOMER)
    return _compose(rng, _CUSTOMER)


def manager_text(rng: random.Random) -> str | None:
    """A team reply; ``None`` for a file-only message."""
    r = rng.random()
    if r < 0.02:
        return None
    if r < 0.025:
        return rng.choice(_SPECIAL_MANAGER)
    return _compose(rng, _MANAGER)


def note_text(rng: random.Random) -> str:
    """An internal note (``isPrivate`` in 2026 exports; legacy ones keep ``@`` notes)."""
    return rng.choice(_NOTES)


#: Texts the generator guarantees at least once (see ``conversations``).
GUARANTEED_CUSTOMER_TEXTS = _SPECIAL_CUSTOMER
GUARANTEED_MANAGER_TEXTS = _SPECIAL_MANAGER
