#!/usr/bin/env python3
"""Writes benches/data/feed100.json: a 100-article JSON feed for the bulletin benchmarks
and for measuring a whole run (`samachar bulletin benches/data/feed100.json --format mp3`).

The Hindi text is made up for this purpose (a few sentence patterns, filled in with
places, numbers and dates that vary per article); it is deterministic, so the feed is
the same every time it is written."""

import json
import pathlib

CITIES = ["लखनऊ", "पटना", "जयपुर", "भोपाल", "रांची", "देहरादून", "शिमला", "रायपुर",
          "चंडीगढ़", "वाराणसी", "इंदौर", "नागपुर", "अहमदाबाद", "कोलकाता", "गुवाहाटी",
          "भुवनेश्वर", "हैदराबाद", "पुणे", "मेरठ", "कानपुर"]
TOPICS = [
    ("बारिश", "मौसम विभाग"), ("सड़क", "लोक निर्माण विभाग"), ("स्कूल", "शिक्षा विभाग"),
    ("अस्पताल", "स्वास्थ्य विभाग"), ("बिजली", "ऊर्जा विभाग"), ("पानी", "जल निगम"),
    ("फ़सल", "कृषि विभाग"), ("रेल", "रेलवे प्रशासन"), ("बाज़ार", "व्यापार मंडल"),
    ("खेल", "खेल संघ"),
]
MONTHS = ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त",
          "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"]

PATTERNS = [
    "{city} में {topic} को लेकर {dept} ने आज एक नई योजना की घोषणा की।",
    "अधिकारियों के अनुसार इस योजना पर लगभग {n1} करोड़ रुपये खर्च किए जाएंगे।",
    "पहले चरण में ज़िले के {n2} गाँवों को शामिल किया गया है, और काम {month} तक पूरा होने की उम्मीद है।",
    "स्थानीय लोगों ने कहा कि वे लंबे समय से इस काम का इंतज़ार कर रहे थे।",
    "{dept} के एक प्रवक्ता ने बताया कि हर हफ़्ते प्रगति की समीक्षा होगी।",
    "पिछले साल इसी मौसम में {n3} प्रतिशत लोगों ने शिकायत दर्ज कराई थी।",
    "विपक्ष के नेताओं ने योजना का स्वागत किया, लेकिन समय पर धन जारी करने की माँग भी रखी।",
    "{city} के ज़िलाधिकारी ने कहा, \"हमारी कोशिश है कि किसी को परेशानी न हो।\"",
    "विशेषज्ञों का मानना है कि इससे आने वाले वर्षों में हालात सुधरेंगे।",
    "कार्यक्रम की पूरी जानकारी विभाग की वेबसाइट पर {day} {month} से उपलब्ध होगी।",
    "इस बीच शहर के कई इलाक़ों में सुबह से ही लोगों की भीड़ देखी गई।",
    "पुलिस ने यातायात को सुचारु रखने के लिए {n2} अतिरिक्त जवान तैनात किए।",
]
HEADLINES = [
    "{city}: {topic} पर नई योजना",
    "{city} में {topic} के लिए {n1} करोड़ रुपये",
    "{topic} पर {dept} का बड़ा फ़ैसला",
]


def article(i):
    city = CITIES[i % len(CITIES)]
    topic, dept = TOPICS[(i * 7) % len(TOPICS)]
    slots = dict(city=city, topic=topic, dept=dept, n1=12 + (i * 37) % 480,
                 n2=5 + (i * 13) % 95, n3=10 + (i * 11) % 70,
                 day=1 + (i * 5) % 28, month=MONTHS[(i * 5) % 12])
    # Eight to eleven sentences: the first always, then a rotation of the others.
    count = 8 + i % 4
    rest = [PATTERNS[1 + (i + k) % (len(PATTERNS) - 1)] for k in range(count - 1)]
    body = " ".join(p.format(**slots) for p in [PATTERNS[0]] + rest)
    return {"title": HEADLINES[i % len(HEADLINES)].format(**slots), "body": body}


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "benches" / "data" / "feed100.json"
    items = [article(i) for i in range(100)]
    out.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
