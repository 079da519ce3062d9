#!/usr/bin/python3
"""fake_dns.py - a tiny DNS server for the DKIM key lookups of the tests

    fake_dns.py PORTFILE KEYS

Listens on 127.0.0.1 (UDP, a free port written to PORTFILE) and answers
TXT queries from KEYS, a file in libopendkim's test format
("selector._domainkey.domain record"): the record is sent as TXT
character-strings of at most 255 bytes, as real DNS does for 2048-bit
keys.  A name under "servfail." answers SERVFAIL, one under "silent."
never answers (a timeout), others NXDOMAIN.  Runs until killed.
"""
import socket
import struct
import sys


def load(path):
    keys = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            name, rec = line.split(None, 1)
            keys[name.lower().rstrip('.')] = rec.encode()
    return keys


def qname(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return '.'.join(labels), off
        labels.append(msg[off:off + n].decode('ascii', 'replace'))
        off += n


def answer(msg, keys):
    qid, flags, qd = struct.unpack('>HHH', msg[:6])
    name, off = qname(msg, 12)
    qtype, qclass = struct.unpack('>HH', msg[off:off + 4])
    question = msg[12:off + 4]
    lname = name.lower()
    if 'silent.' in lname:
        return None
    rcode, rr = 3, b''
    if 'servfail.' in lname:
        rcode = 2
    elif lname in keys and qtype == 16:
        rec = keys[lname]
        rdata = b''.join(bytes([len(rec[i:i + 255])]) + rec[i:i + 255]
                         for i in range(0, len(rec), 255))
        rr = (b'\xc0\x0c' + struct.pack('>HHIH', 16, 1, 60, len(rdata)) +
              rdata)
        rcode = 0
    elif lname in keys:
        rcode = 0          # the name exists, no data of this type
    hdr = struct.pack('>HHHHHH', qid, 0x8180 | rcode, 1, 1 if rr else 0,
                      0, 0)
    return hdr + question + rr


def main():
    keys = load(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    with open(sys.argv[1], 'w') as f:
        f.write('%d\n' % s.getsockname()[1])
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            out = answer(msg, keys)
        except (IndexError, struct.error):
            continue
        if out is not None:
            s.sendto(out, peer)


main()
