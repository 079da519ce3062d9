#!/usr/bin/python3
"""dkim_sign.py - sign test mails with an independent DKIM signer (dkimpy)

Debian's python3-dkim, not libopendkim: the gate under test must verify
what another implementation signed.  One job per stdin line:

    IN OUT KEY.pem DOMAIN SELECTOR [OPTS]

OPTS is a comma list: "l" signs with l= (the body length), "expired"
signs as of ten days ago with x= an hour after t= (as Google's x= of
t+7 days looks once a report waited in a queue), "lf" writes the result
with bare LF line ends.  Several DKIM-Signature fields: sign OUT again.
"""
import sys
import time

import dkim


def sign(inp, out, keyfile, domain, selector, opts):
    with open(inp, 'rb') as f:
        msg = f.read()
    with open(keyfile, 'rb') as f:
        key = f.read()
    saved_time, saved_gen = time.time, dkim.DKIM.gen_header
    if 'expired' in opts:
        t0 = int(saved_time()) - 10 * 86400
        time.time = lambda: t0

        def gen_header(self, fields, *args, **kw):
            fields = list(fields)
            fields.insert(len(fields) - 3, (b'x', str(t0 + 3600).encode()))
            return saved_gen(self, fields, *args, **kw)
        dkim.DKIM.gen_header = gen_header
    try:
        sig = dkim.sign(msg, selector.encode(), domain.encode(), key,
                        canonicalize=(b'relaxed', b'relaxed'),
                        length='l' in opts)
    finally:
        time.time, dkim.DKIM.gen_header = saved_time, saved_gen
    signed = sig + msg
    if 'lf' in opts:
        signed = signed.replace(b'\r\n', b'\n')
    with open(out, 'wb') as f:
        f.write(signed)


for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    sign(f[0], f[1], f[2], f[3], f[4], f[5].split(',') if len(f) > 5 else [])
