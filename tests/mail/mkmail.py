#!/usr/bin/python3
"""mkmail.py - a TLS report mail as RFC 8460 section 5.3 describes it

    mkmail.py OUT JSON [key=value ...]

JSON is a report file; the mail carries it gzip-compressed, base64, as
application/tlsrpt+gzip in a multipart/report (report-type=tlsrpt), with
CRLF line ends.  Keys (all optional):
    report_id=ID      replace the report's report-id
    org=NAME          replace its organization-name
    contact=ADDR      its contact-info (default: smtp-tls-reporting@ the
                      submitter)
    from=ADDR         the From (default noreply@example.net)
    submitter=DOMAIN  TLS-Report-Submitter (default example.net; "-": none)
    domain=DOMAIN     TLS-Report-Domain (default example.com; "-": none)
    total=N           the first policy's total-successful-session-count
    part=KIND         gzip (default), json, none (no attachment),
                      garbage (declared tlsrpt+gzip, not gzip),
                      dmarc (a DMARC report mail: multipart/mixed, a
                      .xml.gz, no TLS-Report-* headers, the same
                      Subject form)
    subject=TEXT      the Subject
"""
import gzip
import json
import sys
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email import policy


def main():
    out, src = sys.argv[1], sys.argv[2]
    opt = dict(a.split('=', 1) for a in sys.argv[3:])
    with open(src) as f:
        rep = json.load(f)
    if 'report_id' in opt:
        rep['report-id'] = opt['report_id']
    if 'org' in opt:
        rep['organization-name'] = opt['org']
    # contact-info in the submitter's domain, as R44 wants, unless given
    rep['contact-info'] = opt.get('contact', 'smtp-tls-reporting@' +
                                  opt.get('submitter', 'example.net'))
    if 'total' in opt:
        rep['policies'][0]['summary']['total-successful-session-count'] = \
            int(opt['total'])
    body = json.dumps(rep).encode()
    sender = opt.get('from', 'noreply@example.net')
    submitter = opt.get('submitter', 'example.net')
    domain = opt.get('domain', 'example.com')
    rid = rep['report-id']

    kind = opt.get('part', 'gzip')
    if kind == 'dmarc':         # a DMARC aggregate report, as Google's
        m = MIMEMultipart('mixed', boundary='----=_tlsrpt_test_boundary')
        domain = submitter = '-'
    else:
        m = MIMEMultipart('report', report_type='tlsrpt',
                          boundary='----=_tlsrpt_test_boundary')
    m['From'] = sender
    m['To'] = 'tlsrpt@reports.test'
    m['Subject'] = opt.get('subject', 'Report Domain: %s Submitter: %s '
                           'Report-ID: <%s>' % (domain, submitter, rid))
    m['Date'] = 'Tue, 01 Dec 2026 10:00:00 +0000'
    m['Message-ID'] = '<%s@%s>' % (rid.replace(' ', '_'),
                                    sender.split('@')[-1])
    if domain != '-':
        m['TLS-Report-Domain'] = domain
    if submitter != '-':
        m['TLS-Report-Submitter'] = submitter
    m.attach(MIMEText('This is an aggregate TLS report from %s.\n' %
                      submitter))
    name = '%s!%s!%s.json' % (submitter, domain, rid)
    if kind == 'gzip':
        p = MIMEApplication(gzip.compress(body, mtime=0), 'tlsrpt+gzip')
        p.add_header('Content-Disposition', 'attachment',
                     filename=name + '.gz')
        m.attach(p)
    elif kind == 'json':
        p = MIMEApplication(body, 'tlsrpt+json')
        p.add_header('Content-Disposition', 'attachment', filename=name)
        m.attach(p)
    elif kind == 'garbage':
        p = MIMEApplication(b'\x1f\x8bnot really gzip at all', 'tlsrpt+gzip')
        p.add_header('Content-Disposition', 'attachment',
                     filename=name + '.gz')
        m.attach(p)
    elif kind == 'dmarc':
        xml = b'<?xml version="1.0"?><feedback><report_metadata/></feedback>'
        p = MIMEApplication(gzip.compress(xml, mtime=0), 'gzip')
        p.add_header('Content-Disposition', 'attachment',
                     filename='example.net!example.com!1!2.xml.gz')
        m.attach(p)
    with open(out, 'wb') as f:
        f.write(m.as_bytes(policy=policy.SMTP))


main()
