"""Random but seeded cardholders for the hand-held photo tests, from two disjoint pools.

``DEVELOPMENT`` is what the card finder was tuned on; ``HELD_OUT`` shares no surname,
given-name character, place or road with it, so the held-out set checks cards nobody
has seen. Every card gets a number with a correct check character for its region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from kyc.ethnicity import ETHNICITIES
from tests.kyc.cards import Card, id_number
from tests.kyc.conftest import TODAY

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱江尹薛段雷侯史陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国文辉力斌波宇浩凯健俊帆帅旭宁"
          "欣怡梓涵子轩雨泽嘉琪思远晨曦佳颖博文雅婷振宏志坚海燕春梅晓东立新淑珍永福德胜光荣云飞")
# (province, city, district, region code of the district)
_PLACES = (
    ("北京市", "", "朝阳区", "110105"), ("上海市", "", "浦东新区", "310115"),
    ("广东省", "广州市", "天河区", "440106"), ("浙江省", "杭州市", "西湖区", "330106"),
    ("四川省", "成都市", "武侯区", "510107"), ("湖北省", "武汉市", "洪山区", "420111"),
    ("江苏省", "南京市", "鼓楼区", "320106"), ("陕西省", "西安市", "雁塔区", "610113"),
    ("山东省", "济南市", "历下区", "370102"), ("河南省", "郑州市", "金水区", "410105"),
    ("湖南省", "长沙市", "岳麓区", "430104"), ("福建省", "厦门市", "思明区", "350203"),
    ("云南省", "昆明市", "五华区", "530102"), ("辽宁省", "沈阳市", "和平区", "210102"),
    ("黑龙江省", "哈尔滨市", "南岗区", "230103"), ("广西壮族自治区", "南宁市", "青秀区", "450103"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102"), ("贵州省", "贵阳市", "南明区", "520102"),
    ("天津市", "", "和平区", "120101"), ("重庆市", "", "渝中区", "500103"),
    ("河北省", "石家庄市", "长安区", "130102"), ("安徽省", "合肥市", "蜀山区", "340104"),
    ("江西省", "南昌市", "东湖区", "360102"), ("吉林省", "长春市", "朝阳区", "220104"),
)
_ROADS = "人民解放建设中山和平胜利友谊光明幸福团结新华文化长江黄河东风滨江青年迎宾花园科技世纪振兴朝阳金桥"
_ROAD_KINDS = ("路", "街", "大道", "大街")


@dataclass(frozen=True)
class Pool:
    name: str
    parity: int  # a pool takes every other entry of each list, starting here

    def pick(self, rng: np.random.Generator, items):
        own = items[self.parity::2]
        return own[int(rng.integers(len(own)))]


DEVELOPMENT = Pool("development", 0)
HELD_OUT = Pool("held-out", 1)


def _wrap(text: str, width: int = 11) -> tuple[str, ...]:
    """The card prints the address in lines of about eleven characters, at most three."""
    return tuple(text[i:i + width] for i in range(0, len(text), width))[:3]


def cardholder(rng: np.random.Generator, pool: Pool) -> Card:
    male = bool(rng.integers(2))
    surname = pool.pick(rng, _SURNAMES)
    given = "".join(pool.pick(rng, _GIVEN) for _ in range(int(rng.integers(1, 3))))
    born = date(1950, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 58)))
    province, city, district, region = pool.pick(rng, _PLACES)
    road = pool.pick(rng, _ROADS) + pool.pick(rng, _ROADS) + _ROAD_KINDS[int(rng.integers(len(_ROAD_KINDS)))]
    house = f"{int(rng.integers(1, 999))}号"
    if rng.random() < 0.5:
        house += f"{int(rng.integers(1, 30))}栋{int(rng.integers(1, 6))}单元{int(rng.integers(1, 33))}{int(rng.integers(1, 9)):02d}室"
    address = _wrap(province + city + district + road + house)
    sequence = 2 * int(rng.integers(0, 499)) + (1 if male else 2)
    ethnicity = "汉" if rng.random() < 0.5 else ETHNICITIES[int(rng.integers(len(ETHNICITIES)))]
    valid_from = date(2008, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 18)))
    valid_from = min(valid_from, TODAY)
    years = 20 if rng.random() < 0.6 else 10
    until = None if rng.random() < 0.15 else valid_from.replace(year=valid_from.year + years, day=min(valid_from.day, 28))
    authority = f"{city or province}公安局{district.removesuffix('新区').removesuffix('区')}分局"
    return Card(
        name=surname + given, sex="男" if male else "女", ethnicity=ethnicity, born=born, address=address,
        number=id_number(region, born, sequence), authority=authority, valid_from=valid_from, valid_until=until,
    )


def truth_front(card: Card) -> dict:
    """What a perfect reading of the card's front gives."""
    return {"name": card.name, "sex": card.sex, "ethnicity": card.ethnicity, "birth_date": card.born,
            "address": "".join(card.address), "id_number": card.number}


def truth_back(card: Card) -> dict:
    return {"issuing_authority": card.authority, "valid_from": card.valid_from,
            "valid_until": "长期" if card.valid_until is None else card.valid_until}
