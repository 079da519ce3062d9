#!/usr/bin/env python3
"""pages.py - read what "tlsrpt render" and "tlsrpt digest" wrote (tests)

  pages.py compare SITE SUMMARY.json   the pages' figures against summary
  pages.py safe FILE...                no script, no handler, no remote load
  pages.py text FILE                   the text a reader sees (unescaped)
  pages.py mail FILE KEY...            MIME checks of a digest (see mail())

Prints "FAIL name: ..." per failed check and "N passed, N failed" last.
"""
import email, email.policy, html.parser, json, mailbox, os, re, sys

passed = failed = 0


def check(name, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print("FAIL %s:\n  got:  %r\n  want: %r" % (name, got, want))


class Page(html.parser.HTMLParser):
    """Every tag with its attributes, table cells by data-label, chart
    bar titles, and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.rows, self.titles, self.text = [], [], [], []
        self.cell = None
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "tr":
            self.rows.append({})
        if tag == "td" and "data-label" in a:
            self.cell = a["data-label"]
            self.rows[-1][self.cell] = ""
        if tag == "title":
            self.in_title = True
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.rows[-1][self.cell] += data
        if self.in_title:
            self.titles[-1] += data


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def num(s):
    return int(re.sub(r"[^0-9]", "", s.split("(")[0]) or "0")


def compare(site, summary):
    s = json.load(open(summary))
    index = parse(os.path.join(site, "index.html"))
    irows = {r["Domain"].split(" (")[0]: r for r in index.rows if "Domain" in r}
    check("index: one row per summary domain", sorted(irows),
          sorted(d["domain"] for d in s["domains"]))
    for d in s["domains"]:
        dom = d["domain"]
        p = parse(os.path.join(site, "d", dom + ".html"))
        tot = [a for t, a in p.tags if a.get("class") == "totals"][0]
        check(dom + " totals", (int(tot["data-reports"]),
              int(tot["data-successful"]), int(tot["data-failed"])),
              (d["reports"], d["successful_sessions"], d["failed_sessions"]))
        r = irows.get(dom, {})
        check(dom + " index reports, sessions",
              (num(r.get("Reports", "")), num(r.get("Sessions", ""))),
              (d["reports"], d["successful_sessions"] + d["failed_sessions"]))
        outc = [(r["Outcome"].replace("FAILED ", ""), num(r["Sessions"]))
                for r in p.rows if "Outcome" in r]
        check(dom + " outcomes", outc,
              [(o["outcome"], o["sessions"]) for o in d["outcomes"]])
        src = [(r["Organisation"], num(r["Reports"]), num(r["Successful"]),
                num(r["Failed"])) for r in p.rows if "Reports" in r and
               "Organisation" in r and "Report-id" not in r]
        check(dom + " sources", src,
              [(o["organization"], o["reports"], o["successful_sessions"],
                o["failed_sessions"]) for o in d["sources"]])
        mx = [(r["DANE MX host"].split(" (MX host")[0], num(r["Reports"]),
               num(r["Successful"]), num(r["Failed"]))
              for r in p.rows if "DANE MX host" in r]
        check(dom + " DANE MX hosts", mx,
              [(o["host"], o["reports"], o["successful_sessions"],
                o["failed_sessions"]) for o in d.get("dane_mx", [])])
        # the chart: each bar's tooltip "DAY successful: N" / "failed: N"
        ok = sum(num(t.split(": ")[-1]) for t in p.titles
                 if re.match(r"\d{4}-\d\d-\d\d successful: ", t))
        bad = sum(num(t.split(": ")[-1]) for t in p.titles
                  if re.match(r"\d{4}-\d\d-\d\d failed: ", t))
        check(dom + " chart sums", (ok, bad),
              (d["successful_sessions"], d["failed_sessions"]))
        reps = [r for r in p.rows if "Report-id" in r]
        check(dom + " reports listed", len(reps), d["reports"])
        check(dom + " reports' counted sessions",
              (sum(num(r["Successful"]) for r in reps),
               sum(num(r["Failed"]) for r in reps)),
              (d["successful_sessions"], d["failed_sessions"]))


def safe(files):
    for path in files:
        p = parse(path)
        bad = [(t, a) for t, a in p.tags if t in ("script", "iframe",
               "object", "embed", "img", "base")]
        check(path + ": no script, img, iframe", bad, [])
        handlers = [(t, k) for t, a in p.tags for k in a if k.startswith("on")]
        check(path + ": no event handler attribute", handlers, [])
        for t, a in p.tags:
            for k in ("href", "src"):
                v = a.get(k)
                if v is None:
                    continue
                if re.match(r"^[a-z][a-z0-9+.-]*:|^//", v, re.I):
                    check(path + ": absolute link is https", v[:8].lower(),
                          "https://")
                    check(path + ": https link rel", a.get("rel"),
                          "noopener noreferrer")


def mail(path, *keys):
    """The digest: headers, parts, encodings; keys "to=ADDR" picks the
    message of an mbox; "has=TEXT" / "hasnot=TEXT" look in both decoded
    parts, "htmlhasnot=TEXT" in the HTML part; "subject=S" compares the
    decoded Subject; "rawsubject=S" looks in the raw header; "html=FILE"
    saves the HTML part."""
    raw = open(path, "rb").read()
    if raw.startswith(b"From "):
        msgs = [m.as_bytes() for m in mailbox.mbox(path)]
    else:
        msgs = [raw]
    want_to = [k[3:] for k in keys if k.startswith("to=")]
    chosen = None
    for m in msgs:
        msg = email.message_from_bytes(m, policy=email.policy.default)
        if not want_to or msg["To"] == want_to[0]:
            chosen, rawmsg = msg, m
    check(path + " " + " ".join(want_to) + ": message found",
          chosen is not None, True)
    if chosen is None:
        return
    msg = chosen
    tag = "%s %s" % (os.path.basename(path), " ".join(want_to))
    for h in ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version"):
        check(tag + ": header " + h, msg[h] is not None, True)
    check(tag + ": Auto-Submitted", msg["Auto-Submitted"], "auto-generated")
    check(tag + ": multipart/alternative", msg.get_content_type(),
          "multipart/alternative")
    parts = list(msg.iter_parts())
    check(tag + ": text then html", [p.get_content_type() for p in parts],
          ["text/plain", "text/html"])
    for p in parts:
        check(tag + ": " + p.get_content_type() + " utf-8 QP",
              (p.get_content_charset(), p["Content-Transfer-Encoding"]),
              ("utf-8", "quoted-printable"))
    check(tag + ": lines at most 78 characters", max(
          len(l) for l in rawmsg.split(b"\n")) <= 78, True)
    check(tag + ": 7-bit", all(b < 128 for b in rawmsg), True)
    body = "".join(p.get_content() for p in parts)
    hdr = rawmsg.split(b"\n\n")[0].decode()
    for k in keys:
        if k.startswith("has="):
            check(tag + ": has " + k[4:], k[4:] in body, True)
        elif k.startswith("hasnot="):
            check(tag + ": has not " + k[7:], k[7:] in body, False)
        elif k.startswith("htmlhasnot="):
            check(tag + ": HTML has not " + k[11:],
                  k[11:] in parts[1].get_content(), False)
        elif k.startswith("subject="):
            check(tag + ": Subject", str(msg["Subject"]), k[8:])
        elif k.startswith("rawsubject="):
            check(tag + ": raw Subject has " + k[11:], k[11:] in hdr, True)
        elif k.startswith("html="):
            open(k[5:], "w", encoding="utf-8").write(parts[1].get_content())


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "text":
        sys.stdout.write("".join(parse(args[0]).text))
        return 0
    {"compare": compare, "safe": safe, "mail": mail}[cmd](
        *(args if cmd != "safe" else [args]))
    print("%d passed, %d failed" % (passed, failed))
    return failed != 0


sys.exit(main())
