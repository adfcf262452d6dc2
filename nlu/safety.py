"""Emergency safety net: a reviewed lexicon that forces ``emergency`` whatever the model says.

Missing an emergency is the worst error this system can make, a false alarm the second worst.
The classifier is good but statistical; this module is explicit. Every rule below names one
danger from INTENTS.md; a rule *fires* when its pattern matches the normalised text (simplified
characters, digits, no fillers) and none of the guards explains the match away:

* negation right before it        没有煤气味, 不是着火, 打不着火 (a stove that won't light)
* resolved after it               摔了一跤现在没事了, 火已经灭了
* a reference to an earlier case  电梯困人的事处理了吗, 上次着火的事, 昨天晕倒了 (unless 还/一直/到现在)
* hypothetical / education        如果着火了怎么逃生, 飞线充电容易起火, 消防演练
* hearsay                         听说隔壁小区着火了
* habitual                        电梯老是困人 (unless 又/现在/正在 says it is happening now)
* almost                          差点晕倒
* rule-specific                   热死了救命 (hyperbole), 有人在电梯里抽烟烟很大 (cigarettes)

Reviewing a change: add the phrase that should fire to tests/nlu/test_safety.py first, and a
phrase that must not fire next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_P = "[^,.!?;]"  # "same clause": the gaps inside a rule never cross punctuation
_PERSON = (
    r"(?:人|老人|老头|老太|大爷|大妈|阿姨|奶奶|爷爷|外婆|外公|姥姥|姥爷|婆婆|公公|妈|爸|老伴|老公|"
    r"老婆|爱人|孩子|小孩|宝宝|儿子|女儿|他|她|邻居|先生|太太|老汉|老豆|老母|阿婆|阿公)"
)

_DURATION = r"(?:(?:[\d两三四五六七八九十几好多]+|好些|这几|这些)个?(?:天|星期|礼拜|周)|好久|很久|一阵子)"
_LIFT = r"(?:电梯|梯|䢂|升降机)"  # 䢂 is OpenCC's simplified form of Cantonese 𨋢 (lift)
_NO_NEGATION_GAP = r"(?:(?![不没])[^,.!?;])"

RULES: dict[str, str] = {
    "fall_cannot_get_up": (
        rf"(?:摔|跌|滑(?:倒|了|一跤|下去|在)|绊倒|栽倒|倒在|倒地|掉下|跌低|瘫)(?:{_P}{{0,12}}?)"
        r"(?:起不来|起不了|爬不起来|站不起来|扶不起来|起唔到|动不了|不能动|动弹不得|没法动|骨折|腿断|"
        r"一动不动|不动了|不会动|躺着不动|躺在地上|抬不动|拉不起来|扶不动|搬不动)"
        rf"|(?:起不来|爬不起来|站不起来){_P}{{0,10}}(?:摔|跌)"
        rf"|{_PERSON}(?:(?!把)[^,.!?;]){{0,4}}?(?:倒地|倒下了|倒在)"
        r"|(?:有人|老人|人)倒(?:了|下)(?![一些点]|垃圾|水|茶|油|掉)"
        rf"|(?:帮帮我|救救我|快来){_P}{{0,6}}?我?(?:起不来|爬不起来|站不起来|动不了)"
        r"|fell\b.{0,30}\b(?:(?:can'?t|cannot|unable to) (?:get up|move|stand)|not moving|isn'?t moving"
        r"|not responding|won'?t wake|bleeding)"
    ),
    "chest_pain": (
        rf"(?:胸口|心口){_NO_NEGATION_GAP}{{0,8}}?(?:疼|痛|闷|憋|发紧|压|难受|绞)|捂着胸口|胸痛|胸闷"
        r"|心脏(?:病犯|病发|病又犯|不舒服|疼|痛|骤停|很难受)|心梗|心肌梗|心绞痛|chest pain|heart attack"
    ),
    "cannot_breathe": (
        r"喘不(?:上|过|了)(?:来)?气|上不来气|透不过气|呼吸(?:很|好|特别|非常)?困难|不能呼吸|没(?:有)?(?:了)?呼吸|憋得(?:喘|说不出)|窒息"
        r"|喘(?:气)?(?:都)?(?:很|好|特别)?(?:费劲|困难)|喘得(?:厉害|不行|说不出话)|呼吸(?:很|好|特别)?(?:急|弱)"
        r"|脸(?:色)?(?:都)?(?:发青|发紫|憋紫|憋得发紫)|嘴唇(?:都)?(?:发)?紫"
        rf"|噎住|卡住(?:喉咙|嗓子)|卡(?:到)?喉咙|哮喘(?:犯|发作)|{_PERSON}(?:好像|快)?没气了"
        r"|can'?t breathe|cannot breathe|not breathing|choking"
    ),
    "unconscious": (
        r"晕倒|昏倒|晕在|昏在|晕过去|昏过去|晕厥|昏迷|休克|不省人事|人事不省|叫不醒|喊不醒|叫不应|没意识|失去意识"
        rf"|(?:叫|喊|拍|摇){_P}{{0,4}}?(?:没反应|不醒|不应|不答应)|{_PERSON}{_P}{{0,4}}?没(?:有)?(?:任何)?反应"
        rf"|{_PERSON}{_P}{{0,3}}?(?:快)?(?:不行了|要死了|快死了)"
        r"|抽搐|口吐白沫|吐白沫|翻白眼|抽个不停|浑身抽|晕咗|fainted|unconscious|passed out|collapsed"
    ),
    "heavy_bleeding": (
        r"大出血|流了?(?:好多|很多|一地|一身|不少)的?血|血流不止|止不住(?:地)?(?:流)?血|血止不住|流血不止"
        r"|一直(?:在)?流血|(?:满|全|都)(?:头|脸|身|地|手)?(?:都)?是血|头破血流|血流了一|头(?:磕|撞|摔)?破了?|吐血"
        r"|血(?:一直)?(?:喷|往外冒|往外涌|涌出来|冒出来)"
        rf"|(?:砸|撞|磕|摔)(?:到|伤|破)(?:了)?(?:头|脑袋){_P}{{0,6}}?(?:流血|出血|血)"
        r"|bleeding (?:a lot|heavily|badly)"
    ),
    "stroke_signs": (
        r"中风|脑梗|脑溢血|脑出血|嘴(?:巴)?歪|口角歪|半边(?:身子|身体|脸)?发?(?:麻|动不了|没知觉|没力|不能动)"
        r"|一边(?:手脚|手|脚|胳膊|腿|身子|身体)(?:都)?(?:没力|没劲|动不了|抬不起来)|突然说不出话|说话大舌头"
        r"|口齿不(?:清|利索)"
        rf"|说话(?:突然)?(?:含糊|含含糊糊|不清|不利索|说不清){_P}{{0,10}}(?:手|脚|腿|脸|嘴)|\bstroke\b"
    ),
    "trapped_in_lift": (
        rf"(?:困|关|卡|锁)(?:在|喺)?(?:了)?{_P}{{0,6}}?{_LIFT}(?:里|里面|内|入面)"
        rf"|(?:困|关|锁)(?:住|咗)?(?:在|喺){_P}{{0,6}}?{_LIFT}|困(?:住|咗)?{_LIFT}"
        rf"|{_LIFT}{_P}{{0,8}}?(?:困|关|卡|锁)(?:住)?(?:了)?(?:人|老人|小孩|孩子|我|他|她|一个|两个|几个|\d个)"
        rf"|{_LIFT}{_P}{{0,8}}?把[^,.!?;]{{0,6}}?(?:困|关|卡|锁)(?:住|在)"
        rf"|{_LIFT}(?:里|里面|内){_P}{{0,6}}?(?:有人|出不来|出不去|被困|困住|困着|困了)"
        rf"|在{_LIFT}里{_P}{{0,15}}?(?:不动|停了|卡住|打不开|出不去|出不来|下不去|困)"
        rf"|{_LIFT}{_P}{{0,25}}?(?<![没无]人)(?<!没有人)(?:在|困在|关在|锁在)(?:里面|里头|里边)"
        rf"|{_LIFT}{_P}{{0,15}}?里面(?:还)?有(?:[\d一两三四五六七八九十几好]*个)?{_PERSON}"
        r"|(?:stuck|trapped) in(?:side)? (?:the |an )?(?:lift|elevator)"
        r"|(?:lift|elevator)\b.{0,20}\b(?:people|someone|kids?|child|my \w+) (?:inside|in it)"
    ),
    "fire": (
        r"着火|著火|起火|失火|火灾|烧起来|烧着了|火苗|火势|火光|冒火|火花|自燃|爆炸|烧焦的?味|焦糊味"
        r"|火(?:压|灭|扑)不(?:住|掉|了|灭)|灭不(?:掉|了)|火(?:很|好|太|越来越)大|火(?:还)?(?:在)?烧"
        r"|\bfire\b(?! drill| alarm test| extinguisher| lane| exit| door| escape| safety)|on fire"
    ),
    "smoke": (
        r"冒(?:黑|白|浓)?烟|浓烟|(?:好|很|这么)?(?:大|浓)的烟(?!味)|烟(?:很|好|特别|太)(?:大|浓)(?!味)"
        r"|(?:全|都)是烟(?!味)|(?:好多|很多|一屋子|满屋子?|到处都?是)的?烟(?!味|头)|烟呛|呛得|呛人"
        rf"|烟{_P}{{0,4}}?(?:往上窜|窜上来|冒上来|飘进来|灌进来|涌进来|窜|灌)"
        r"|(?:thick|black) smoke|smoke (?:everywhere|coming|pouring)|(?:see|smell) smoke"
        r"|full of smoke"
    ),
    "gas_smell": (
        r"(?:煤气|燃气|天然气|液化气|瓦斯)(?:管道|管子|管|罐|阀门|灶)?的?(?:味|泄漏|泄露|漏了|漏气|在漏)(?!报警|检测)"
        rf"|(?:漏|泄漏|泄露)(?:煤气|燃气|天然气)|一股(?:子)?(?:煤气|燃气|天然气)"
        rf"|(?:煤气|燃气|天然气){_P}{{0,15}}?(?:味道|气味)(?:很|好|特别)?(?:大|浓|重|冲)"
        r"|gas leak|smell(?:s|ing)? (?:of )?gas|煤气中毒|一氧化碳中毒"
    ),
    "gas_alarm": rf"(?:燃气|煤气|天然气)(?:泄漏)?报警器?{_P}{{0,6}}?(?:响|叫|报警)",
    "call_for_help": (
        r"救命|快来人|来人啊|来人呀|快点来人|救救(?:我|他|她|我们|孩子|老人)|快嚟人|救人"
        r"|(?:快|赶紧|帮我)(?:叫|打)(?:个)?(?:救护车|120|119)|叫救护车|打120|打119"
        r"|^(?:help[\s!.]*)+$|^help me\W*$|^(?:help|sos)[\s!,.]*(?=[\u4e00-\u9fff])|\b(?:somebody|someone),? help(?: me| us)?\W*$|\bsos\b|call (?:an )?ambulance"
    ),
    "neighbour_unseen_smell": (
        rf"{_DURATION}[^.!?]{{0,6}}?(?:没(?:有)?人?(?:见|看到|看见|出门|出来|开门|动静|人应|应|下楼|开灯|亮灯)|不开门)"
        r"[^.!?]{0,20}?(?:臭|异味|怪味|气味|味道|苍蝇)"
        rf"|(?:臭|异味|怪味)[^.!?]{{0,20}}?{_DURATION}[^.!?]{{0,6}}?(?:没人?(?:见|看到|出门|出来|开门|动静)|不开门)"
    ),
    "other_danger": (
        r"触电|被电(?:到|击)|电到人|跳楼|往下跳|跳下去|轻生|自杀|割腕|(?:吃|吞)了(?:很多|一瓶|一整瓶|好多|一把)的?(?:安眠)?药"
        rf"|从(?:窗户|窗台|阳台|楼上|楼顶){_P}{{0,4}}?(?:掉|摔|跌)下"
        rf"|喝了?农药|溺水|掉(?:进|到|下)?{_P}{{0,4}}?(?:水|河|湖|池|井|池塘)里|坠楼|掉下楼|从楼上掉"
        rf"|(?:孩子|小孩|人){_P}{{0,6}}?(?:悬空|挂在窗外|爬(?:到|出)(?:了)?(?:窗|阳台)(?:户)?外)"
        rf"|持刀|拿(?:着)?刀{_P}{{0,3}}?(?:砍|捅|威胁|伤人)|砍人|捅人|煤气中毒|食物中毒|一氧化碳"
        rf"|烫伤{_P}{{0,6}}?(?:大面积|很严重|一大片)|大面积(?:烫伤|烧伤)|怀孕{_P}{{0,15}}?(?:流血|出血|肚子疼|摔)"
    ),
}

# Words whose mis-hearings the homophone repair corrects before the rules run (就命 -> 救命).
REPAIR_WORDS = (
    "救命", "快来人", "着火", "起火", "失火", "冒烟", "晕倒", "昏倒", "摔倒", "跌倒", "困住", "被困",
    "煤气", "燃气", "胸口", "心口", "呼吸", "喘不上气", "救护车", "叫不醒", "中风", "脑梗", "流血",
)

_NEGATED = re.compile(
    r"(?:没有?|不是|并没有?|并不是|并不|无|未|不|不会|别|防止|预防|避免|以防|没发现|没闻到|没看到)"
    r"(?:闻到|看到|发现|听到|感觉到?|有|什么|再)?的?$"
)
# 是不是中风了 / 有没有煤气味 ask; they do not deny
_QUESTION_FORM = re.compile(r"(?:是不是|有没有|会不会|能不能|是否)$")
_ALMOST = re.compile(r"(?:差点|差一点|险些|几乎|差点儿)(?:就)?$")
_RESOLVED = re.compile(
    r"(?:没事|没有事|已经好了|现在好了|好多了|好些了|缓过来|醒过来|醒了|灭了|扑灭|救出来|已经出来了|放出来|救下来"
    r"|修好|处理好|处理完|解决了|散了|散掉|不疼了|不痛了|止住了|扶起来了|站起来了|爬起来了|没大碍|不要紧"
    r"|没什么大碍|虚惊一场|误报)"
)
# the danger goes on (defeats "resolved"), or is happening now (defeats "past" and "habitual")
_DANGER_GOES_ON = r"(?:起不|爬不|站不|动不|喘不|说不|叫不醒|没醒|不醒|流血|在流|昏|晕|疼|痛|困|出不|关|卡|抽|吐|在烧|烧着|在冒|冒着)"
_STILL = re.compile(rf"(?:到现在|至今|现在|仍然|一直|还是|还在|还|又|正在)(?:也|都|是|在)?(?:没)?{_DANGER_GOES_ON}")
_ONGOING = re.compile(rf"{_STILL.pattern}|正在|里面有人|快来|赶紧|马上|救命")
_AFTERWARDS = ("后", "以后", "之后")  # 中风后一直在家: the event is over
_LONG_AGO = re.compile(r"^(?:过)?(?:了)?(?:好|十|几|多|一|两|三|\d)+(?:年|个月)")  # 中风好几年了
_GENERIC_WHEN = ("的时候", "时候", "时")  # 燃气泄漏的时候能不能开灯: a situation, not an event
# 着火怎么办 asks what one should do (着火了怎么办 reports a fire: 了 says it happened);
# 火灾隐患 / 困人测试 name a risk or a drill
_WHAT_IF_AFTER = re.compile(
    r"^(?:怎么办|咋办|咋整|怎么处理|(?:应)?该(?:怎么|如何)|要怎么|会怎样|怎么逃)|^的?(?:隐患|风险)|自救|测试|演练|演习|培训"
)
_REFERENCE_AFTER = re.compile(
    r"^(?:的)?(?:事|那件事|那事|事情|那次|的问题|问题|事件|情况)"
    r"|(?:处理|解决)(?:了|得)?(?:吗|没|怎么样)|怎么样了|有(?:没有)?结果|进展|后续|怎么处理|谁负责|赔偿|调查|追责"
)
_PAST_BEFORE = re.compile(r"上次|上回|之前|以前|前几天|前阵子|前段时间|昨天|昨晚|前天|上周|上个?星期|上个?月|去年|那次|那天|当时")
_HYPOTHETICAL = re.compile(
    r"如果|万一|要是|假如|假设|以防|防止|预防|避免|演练|演习|培训|讲座|知识|隐患|容易|小心|注意|逃生|迟早|早晚"
)
_GENERAL_QUESTION = re.compile(r"症状|征兆|迹象|有哪些|是什么|怎么预防|急救方法|急救知识|怎么急救|注意事项")
_HEARSAY = re.compile(r"听说|新闻|网上|电视上|电视里|朋友圈|别的小区|隔壁小区|视频里|电影")
_HABITUAL = re.compile(r"经常|老是|总是|动不动|天两头|隔三差五|常常|好几次|每次")  # 三天两头 is 3天两头 here
_RULE_GUARDS = {
    "call_for_help": re.compile(r"笑死|热死|累死|饿死|烦死|困死|气死|无聊|哈哈|作业|考试|加班|吓死"),
    "smoke": re.compile(r"抽烟|吸烟|烟头|二手烟|香烟|烟民|烧烤|油烟|炒菜|做饭|烟味|烧香|烧纸|香火|熏香|艾灸"),
    "other_danger": re.compile(r"跳楼价|甩卖|打农药|喷农药|打药|杀虫"),
    "gas_alarm": re.compile(r"坏|没电|电池|误报|乱响|老是|测试|换"),
}
_CLAUSE = re.compile(r"[,.!?;]")

_COMPILED = {name: re.compile(pattern) for name, pattern in RULES.items()}


@dataclass
class Verdict:
    """What the safety net decided for one message."""

    triggered: bool = False
    rule: str | None = None
    match: str | None = None
    suppressed: list[tuple[str, str]] = field(default_factory=list)  # (rule, guard)

    def as_dict(self) -> dict:
        """The ``safety_net`` field of a parse result."""
        out = {"triggered": self.triggered, "rule": self.rule}
        if self.match:
            out["match"] = self.match
        if self.suppressed:
            out["suppressed"] = [f"{rule}:{guard}" for rule, guard in self.suppressed]
        return out


def _guard(rule: str, text: str, start: int, end: int) -> str | None:
    """The name of the guard that explains the match away, or None when it stands."""
    before = text[:start]
    clause_before = _CLAUSE.split(before)[-1]
    after = text[end:end + 30]
    matched_and_after = text[start:end + 30]
    if _NEGATED.search(clause_before[-6:]) and not _QUESTION_FORM.search(clause_before):
        return "negated"
    if _ALMOST.search(clause_before[-4:]):
        return "almost"
    rule_guard = _RULE_GUARDS.get(rule)
    if rule_guard and rule_guard.search(text):
        return "context"
    # a condition or a rumour governs what follows it closely, not a whole long message
    if _HEARSAY.search(before[-20:]):
        return "hearsay"
    if (_HYPOTHETICAL.search(before[-12:]) or "的话" in after[:8] or after.startswith(_GENERIC_WHEN)
            or _WHAT_IF_AFTER.search(after[:12])):
        return "hypothetical"
    if _REFERENCE_AFTER.search(after) or _GENERAL_QUESTION.search(after):
        return "reference"
    if _RESOLVED.search(after) and not _STILL.search(after):
        return "resolved"
    if after.startswith("过") or _LONG_AGO.search(after):
        return "past"
    if (_PAST_BEFORE.search(before[-15:]) or after.startswith(_AFTERWARDS)) and not _ONGOING.search(matched_and_after):
        return "past"
    if _HABITUAL.search(text[:end]) and not _ONGOING.search(text):
        return "habitual"
    return None


def check(text: str) -> Verdict:
    """Run every rule over normalised ``text``; see the module docstring."""
    verdict = Verdict()
    for rule, pattern in _COMPILED.items():
        for m in pattern.finditer(text):
            guard = _guard(rule, text, m.start(), m.end())
            if guard is None:
                return Verdict(True, rule, m.group(), verdict.suppressed)
            verdict.suppressed.append((rule, guard))
    return verdict
