#!/usr/bin/python3
"""seeds.py - the seed corpora and dictionaries of the fuzz targets

    seeds.py OUTDIR CORPUS

Writes OUTDIR/seeds/TARGET/ (one file per seed) and OUTDIR/dict/TARGET.dict
for the targets json, gunzip, mime, dkim, conf and http, from the real
reports in CORPUS (../shared/corpus/real), the test fixtures
(tests/fixtures, the mails of tests/mail/mkmail.py) and etc/tlsrpt.conf.
Generated at build time, so no binary seed is committed.  The DKIM seeds
are signed with fuzz/dkim/signer.pem by tests/mail/dkim_sign.py
(python3-dkim, an independent signer), for d=example.net under the
selectors of fuzz/dkim/keys.txt: the fuzzer starts from messages that
pass, and reaches the verification code.  Run with Debian's
/usr/bin/python3 (python3-dkim).
"""
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = '/usr/bin/python3'


def put(out, target, data):
    """one seed, named by its hash (the same input is written once)"""
    d = os.path.join(out, 'seeds', target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def gz(data, name=None):
    """a gzip member with mtime 0 (and FNAME when name is given)"""
    b = io.BytesIO()
    with gzip.GzipFile(filename=name or '', mode='wb', fileobj=b,
                       mtime=0) as g:
        g.write(data)
    return b.getvalue()


def reports(corpus):
    """the JSON reports: the corpus's and the fixtures'"""
    paths = sorted(glob.glob(os.path.join(corpus, '*', '*.json')) +
                   glob.glob(os.path.join(ROOT, 'tests', 'fixtures', '*',
                                          '*.json')))
    out = []
    for p in paths:
        data = read(p)
        try:
            rep = json.loads(data)
        except ValueError:
            continue
        if isinstance(rep, dict) and 'policies' in rep:
            out.append((p, data))
    return out


def json_seeds(out, reps, corpus):
    for _, data in reps:
        put(out, 'json', data)
        put(out, 'json', gz(data))
    for p in glob.glob(os.path.join(corpus, '*', '*.json.gz')):
        put(out, 'json', read(p))
    small = reps[0][1]
    rep = json.loads(small)
    for extra in (b'{}', b'[]', b'{"a":1,"a":2}', b'{"x":"\xff\xfe"}',
                  b'[' * 64 + b']' * 64, b'{"policies":[]}'):
        put(out, 'json', extra)
    rep2 = dict(rep)
    rep2['date-range'] = {'start-datetime': '2026-02-30T25:61:61+14:00',
                          'end-datetime': '1970-01-01T00:00:00Z'}
    put(out, 'json', json.dumps(rep2).encode())
    rep3 = dict(rep)
    rep3['report-id'] = '\u0000\u202e' + 'x' * 300
    put(out, 'json', json.dumps(rep3).encode())


def gunzip_seeds(out, reps, corpus):
    for _, data in reps[:6]:
        put(out, 'gunzip', gz(data))
    a, b = reps[0][1], reps[1][1]
    put(out, 'gunzip', gz(a) + gz(b))                 # two members
    put(out, 'gunzip', gz(a) + b'\0\0\n \t')          # tolerated junk
    put(out, 'gunzip', gz(a) + b'garbage')            # refused junk
    put(out, 'gunzip', gz(a, name='../../etc/passwd.json'))  # FNAME
    put(out, 'gunzip', gz(a)[:-5])                    # truncated
    put(out, 'gunzip', gz(b'\0' * (1 << 20)))         # bomb past the cap
    put(out, 'gunzip', gz(b''))                       # empty member
    flip = bytearray(gz(a))
    flip[-6] ^= 0x40                                  # CRC wrong
    put(out, 'gunzip', bytes(flip))
    for p in glob.glob(os.path.join(corpus, '*', '*.gz')):
        put(out, 'gunzip', read(p))


def mails(tmp, reps):
    """mails made by tests/mail/mkmail.py: name -> bytes"""
    src = [p for p, _ in reps[:4]]
    kinds = [('gz', ['part=gzip']), ('json', ['part=json']),
             ('garbage', ['part=garbage']), ('none', ['part=none']),
             ('dmarc', ['part=dmarc'])]
    out = {}
    for i, s in enumerate(src):
        for k, opts in kinds if i == 0 else kinds[:2]:
            name = os.path.join(tmp, 'm%d-%s.eml' % (i, k))
            subprocess.run([PY, os.path.join(ROOT, 'tests', 'mail',
                                             'mkmail.py'), name, s] + opts,
                           check=True)
            out[name] = read(name)
    return out


def mime_seeds(out, corpus, made):
    for p in glob.glob(os.path.join(corpus, '*', '*.eml')):
        put(out, 'mime', read(p))
    for data in made.values():
        put(out, 'mime', data)
        put(out, 'mime', data.replace(b'\r\n', b'\n'))
    one = next(iter(made.values()))
    # the same mail with its close delimiter cut (as Mail.ru sends it),
    # quoted-printable, and a single part
    put(out, 'mime', one.rsplit(b'------=_tlsrpt_test_boundary--', 1)[0])
    put(out, 'mime', one.replace(b'Content-Transfer-Encoding: base64',
                                 b'Content-Transfer-Encoding: quoted-'
                                 b'printable'))
    put(out, 'mime', b'From: a@example.net\r\nContent-Type: application/'
        b'tlsrpt+json\r\n\r\n' + json.dumps({'policies': []}).encode())
    put(out, 'mime', b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: multipart/mixed; boundary="c"\r\n\r\n--c\r\n'
        b'Content-Type: application/json; name*=utf-8\'\'r%C3%A9.json\r\n'
        b'\r\n{}\r\n--c--\r\n--b--\r\n')


def dkim_seeds(out, tmp, made):
    key = os.path.join(HERE, 'dkim', 'signer.pem')
    base = [n for n in made if n.endswith('-gz.eml') or
            n.endswith('-json.eml')][:3]
    jobs = []
    variants = [('fuzz', ''), ('tlsrpt', ''), ('email', ''),
                ('testing', ''), ('revoked', ''), ('fuzz', 'l'),
                ('fuzz', 'lf'), ('fuzz', 'expired'), ('nokey', '')]
    for i, n in enumerate(base):
        for j, (sel, opts) in enumerate(variants if i == 0 else
                                        variants[:1]):
            o = os.path.join(tmp, 'signed-%d-%d.eml' % (i, j))
            jobs.append('%s %s %s example.net %s %s' % (n, o, key, sel,
                                                        opts))
    # a foreign d= (prescreened away) and two signatures on one mail
    jobs.append('%s %s %s example.org fuzz' % (
        base[0], os.path.join(tmp, 'signed-foreign.eml'), key))
    jobs.append('%s %s %s example.net tlsrpt' % (
        os.path.join(tmp, 'signed-0-0.eml'),
        os.path.join(tmp, 'signed-two.eml'), key))
    subprocess.run([PY, os.path.join(ROOT, 'tests', 'mail', 'dkim_sign.py')],
                   input='\n'.join(jobs[:-1]).encode(), check=True)
    subprocess.run([PY, os.path.join(ROOT, 'tests', 'mail', 'dkim_sign.py')],
                   input=jobs[-1].encode(), check=True)
    for p in sorted(glob.glob(os.path.join(tmp, 'signed-*.eml'))):
        put(out, 'dkim', read(p))
    put(out, 'dkim', made[base[0]])                   # unsigned


def conf_seeds(out):
    put(out, 'conf', read(os.path.join(ROOT, 'etc', 'tlsrpt.conf')))
    put(out, 'conf', b'database = host=/tmp dbname=tlsrpt user=x\n'
        b'domains = example.com, Example.ORG. ,mail.example.net\n'
        b'max_report_bytes = 16M\nmax_body_bytes = 1024K\n'
        b'spool_max_bytes = 2GB\nlisten = 127.0.0.1:8443, [::1]:8443\n'
        b'report_path = /tlsrpt\nreport_path = /.well-known/tlsrpt\n'
        b'tls_cert = /etc/ssl/c.pem\ntls_key = /etc/ssl/k.pem\n'
        b'log = syslog\ndkim = off\nalert_failure_rate = 2.5\n'
        b'digest_domain_to = example.com:hostmaster@example.com\n')
    put(out, 'conf', b'  # comment\r\n\t\r\nbatch_reports=1\r\n'
        b'max_report_values = 1000\nthreads = 0\n')
    put(out, 'conf', b'max_body_bytes = 18446744073709551615\n')
    put(out, 'conf', b'domains = -bad-.example\n')
    put(out, 'conf', b'log = std\n')


def http_seeds(out, reps):
    body = reps[0][1]
    zbody = gz(body)
    post = b'POST /tlsrpt HTTP/1.1\r\nHost: reports.example.com\r\n'

    def chunked(data, sizes):
        o, i = b'', 0
        for s in sizes:
            o += b'%x\r\n' % s + data[i:i + s] + b'\r\n'
            i += s
        return o + b'%x;ext=1\r\n' % (len(data) - i) + data[i:] + \
            b'\r\n0\r\nX-Trailer: 1\r\n\r\n'

    cl = b'Content-Length: %d\r\n'
    put(out, 'http', post + b'Content-Type: application/tlsrpt+json\r\n' +
        cl % len(body) + b'\r\n' + body)
    put(out, 'http', post + b'Content-Type: application/tlsrpt+gzip\r\n' +
        cl % len(zbody) + b'\r\n' + zbody)
    put(out, 'http', post + b'Transfer-Encoding: chunked\r\n\r\n' +
        chunked(zbody, [1, 100]))
    put(out, 'http', post + b'Transfer-Encoding: chunked\r\n\r\n' +
        chunked(body * 4, [4000, 4000]))             # past the cap
    put(out, 'http', post + b'Expect: 100-continue\r\n' + cl % 20000 +
        b'\r\n')
    put(out, 'http', post + cl % 200000000 + b'\r\n')
    put(out, 'http', post + cl % 9000 + b'\r\n' + b'x' * 9000)
    put(out, 'http', post + b'X-Fuzz-Inflight: 60000\r\n' +  # 503
        cl % len(body) + b'\r\n' + body)
    put(out, 'http', post + b'X-Fuzz-Piece: 1000\r\nTransfer-Encoding: '
        b'chunked\r\n\r\n' + chunked(body * 3, [2000]))
    # bodies at the edge of fuzz_http's max_body_bytes (8 KiB): framed by
    # Content-Length, chunked, in pieces of all sizes
    for n in (8191, 8192, 8193, 8200):
        pad = (zbody * (n // len(zbody) + 1))[:n]
        put(out, 'http', post + cl % n + b'\r\n' + pad)
        put(out, 'http', post + b'Transfer-Encoding: chunked\r\n\r\n' +
            chunked(pad, [n // 2]))
        put(out, 'http', post + b'X-Fuzz-Piece: %d\r\n' % (n - 100) +
            b'Transfer-Encoding: chunked\r\n\r\n' + chunked(pad, []))
    put(out, 'http', post + cl % 3 + b'Transfer-Encoding: chunked\r\n'
        b'\r\n0\r\n\r\n')
    put(out, 'http', post + b'Transfer-Encoding: gzip, chunked\r\n\r\n')
    put(out, 'http', post + cl % 5 + cl % 6 + b'\r\nhello')
    put(out, 'http', post + b'Content-Length : 5\r\n\r\nhello')
    put(out, 'http', post + b'Content-Length: +5\r\n\r\nhello')
    put(out, 'http', post + cl % 11 + b'\r\nhello world')   # 415
    put(out, 'http', b'GET /tlsrpt HTTP/1.1\r\n\r\n')
    put(out, 'http', b'POST /other HTTP/1.1\r\n\r\n')
    put(out, 'http', b'POST /tlsrpt HTTP/1.1\n' + cl % len(body) + b'\n' +
        body)


DICTS = {'json', 'mime', 'http', 'dkim'}


def dicts(out):
    d = os.path.join(out, 'dict')
    os.makedirs(d, exist_ok=True)
    for t in DICTS:
        shutil.copy(os.path.join(HERE, t + '.dict'),
                    os.path.join(d, t + '.dict'))
    # conf: every key of the table (lib/conf.c), and its value forms
    keys = re.findall(r'\{ "([a-z_]+)", CONF_',
                      read(os.path.join(ROOT, 'lib', 'conf.c')).decode())
    with open(os.path.join(d, 'conf.dict'), 'w') as f:
        for k in keys:
            f.write('"%s = "\n' % k)
        for v in ('K', 'M', 'G', 'B', '#', ',', '=', '\\x0a', 'on', 'off',
                  'yes', 'stderr', 'syslog', 'send', 'skip'):
            f.write('"%s"\n' % v)


def main():
    out, corpus = sys.argv[1], sys.argv[2]
    shutil.rmtree(os.path.join(out, 'seeds'), ignore_errors=True)
    reps = reports(corpus)
    if len(reps) < 2:
        sys.exit('seeds.py: no reports found in %s' % corpus)
    with tempfile.TemporaryDirectory() as tmp:
        made = mails(tmp, reps)
        json_seeds(out, reps, corpus)
        gunzip_seeds(out, reps, corpus)
        mime_seeds(out, corpus, made)
        dkim_seeds(out, tmp, made)
    conf_seeds(out)
    http_seeds(out, reps)
    dicts(out)


main()
