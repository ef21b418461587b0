#!/usr/bin/env python3
"""Writes pii_cases.tsv: customer messages with the personal data in them.

Each line: the message, a tab, then the expected pieces as KIND=original
joined by " || " (empty when the message holds none). KIND is PHONE, ID,
CARD, EMAIL or PRIVATE (the tenant pattern VIP\\d{6} used by the test).
Deterministic (fixed seed); run it again after changing a template.
"""
import random
import sys

rng = random.Random(20261203)


def id_card():
    region = rng.choice(["110101", "310104", "440305", "510107", "330106", "420111", "650102"])
    y = rng.randint(1950, 2008)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    body = f"{region}{y:04d}{m:02d}{d:02d}{rng.randint(0, 999):03d}"
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * k for c, k in zip(body, w)) % 11]
    return body + check


def luhn_complete(prefix, length):
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    for c in "0123456789":
        s = digits + c
        total = 0
        for i, ch in enumerate(reversed(s)):
            v = int(ch)
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            total += v
        if total % 10 == 0:
            return s
    raise AssertionError


def card():
    kind = rng.choice(["62-16", "62-19", "4-16", "5-16"])
    prefix, length = kind.split("-")
    number = luhn_complete(prefix + str(rng.randint(10, 99)), int(length))
    style = rng.choice(["plain", "plain", "space4", "dash4"])
    if style == "plain":
        return number
    sep = " " if style == "space4" else "-"
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


def phone():
    number = "1" + rng.choice("3456789") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    style = rng.choice(["plain", "plain", "plain", "344", "dash", "+86", "+86 ", "0086", "86", "full"])
    if style == "plain":
        return number
    if style == "344":
        return f"{number[:3]} {number[3:7]} {number[7:]}"
    if style == "dash":
        return f"{number[:3]}-{number[3:7]}-{number[7:]}"
    if style == "+86":
        return "+86" + number
    if style == "+86 ":
        return "+86 " + number
    if style == "0086":
        return "0086" + number
    if style == "86":
        return "86" + number
    return "".join(chr(0xFF10 + int(c)) for c in number)


def email():
    user = rng.choice(["zhangwei", "li.na", "wang_fang88", "chen+shop", "liu-yang", "amy.chen",
                       "john.smith", "k.tanaka", "service2026", "mei"])
    domain = rng.choice(["qq.com", "163.com", "gmail.com", "outlook.com", "example.cn",
                         "mail.example.co.uk", "126.com", "foxmail.com"])
    return f"{user}@{domain}"


def vip():
    return "VIP" + "".join(str(rng.randint(0, 9)) for _ in range(6))


MAKERS = {"PHONE": phone, "ID": id_card, "CARD": card, "EMAIL": email, "PRIVATE": vip}

TEMPLATES = [
    "我的手机号是{PHONE}，麻烦快递到了打我电话",
    "收货人电话{PHONE}，地址不变",
    "联系方式：{PHONE}（工作日白天都在）",
    "你们打{PHONE}找我就行",
    "请把电话改成 {PHONE} 谢谢",
    "my phone is {PHONE}, call me when it ships",
    "You can reach me at {PHONE}.",
    "new number: {PHONE}",
    "身份证号{ID}，实名认证一直失败",
    "报关需要身份证：{ID}",
    "ID card number {ID}, please update the customs info",
    "我身份证 {ID} 姓名张伟",
    "退款打到这张卡：{CARD}",
    "银行卡号 {CARD} 开户行招商银行",
    "please refund to card {CARD}",
    "My card {CARD} was charged twice!!",
    "卡号{CARD}，被扣了两次钱",
    "邮箱是{EMAIL}，发票发到这里",
    "发票请寄到 {EMAIL} 谢谢",
    "send the invoice to {EMAIL} please",
    "My email: {EMAIL}",
    "you can email me ({EMAIL}) anytime",
    "我的会员号{PRIVATE}，积分没到账",
    "member {PRIVATE} here, where are my points?",
    "电话{PHONE}，邮箱{EMAIL}，有问题联系我",
    "Name: Li Na, phone {PHONE}, email {EMAIL}",
    "身份证{ID}，手机{PHONE}，帮我改一下实名信息",
    "退到卡{CARD}吧，有事打{PHONE}",
    "会员{PRIVATE}，手机{PHONE}",
    "我的電話是{PHONE}，請盡快聯絡我",
    "退款請退到這張卡 {CARD}",
    "發票寄到{EMAIL}，謝謝",
    "身份證號碼{ID}，清關要用",
    "订单SO20261130001，电话{PHONE}",
    "order SO20261201042 — reach me on {PHONE}",
    "快递单号SF1234567890123，收件人手机{PHONE}",
]

NEGATIVE = [
    "我的订单号是SO20261130001，什么时候发货",
    "快递单号SF1234567890123查不到",
    "tracking number YT9876543210987 shows nothing",
    "一共付了1299.00元，能退多少",
    "I paid $1,299.50 for order SO20261129007",
    "12月3日下单的，到现在还没发",
    "我2026-11-28买的，想退货",
    "买了3件，收到2件",
    "客服电话是400-820-8820吗",
    "门牌号是1203室，邮编200120",
    "order number 20261130001 please check",
    "退款金额 ¥ 356.8",
    "我要开发票，税号91310000MA1K8ABC2X",
    "商品编号100012345678",
    "version 2.4.1 of the app crashes",
    "the box was 30 x 40 x 50 cm",
    "卡号好像是6222 0212 3456 7899 2不对吧",
    "我的卡尾号是8821",
    "手机尾号5678的那个订单",
    "I was charged 3 times: 19.99, 19.99 and 19.99",
    "订单 SO20261130001 和 SO20261130002 一起退",
    "请在2026年12月10日前送到",
    "第1234567号工单什么时候处理",
    "我的QQ群是12345678",
    "支付宝交易号2026113022001445551405599999",
    "wait 10-15 days?",
    "email support at the address on the website",
    "my name is @zhangwei on the app",
    "价格是99-199之间吗",
    "身份证号码我不方便给",
]


def main():
    rows = []
    for t in TEMPLATES:
        for _ in range(6):
            text = t
            pieces = []
            while "{" in text:
                start = text.index("{")
                end = text.index("}", start)
                kind = text[start + 1:end]
                value = MAKERS[kind]()
                text = text[:start] + value + text[end + 1:]
                pieces.append(f"{kind}={value}")
            rows.append((text, " || ".join(pieces)))
    for n in NEGATIVE:
        rows.append((n, ""))
    out = open(sys.argv[1] if len(sys.argv) > 1 else "pii_cases.tsv", "w", encoding="utf-8")
    out.write("# Written by make_pii_cases.py. message<TAB>KIND=original || ...\n")
    for text, pieces in rows:
        assert "\t" not in text
        out.write(f"{text}\t{pieces}\n")


if __name__ == "__main__":
    main()
