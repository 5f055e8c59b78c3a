#!/usr/bin/env python3
"""Steady-state UID SEARCH timing against two running IMAP servers (a supplement to
../shared/bench/imap_bench.py, whose SEARCH steps are single commands and so mostly noise at the
millisecond level). Median of 500 repetitions after 20 warm-up commands, per server, 3 rounds.
Usage: start the bench Dovecot (dovecot -F -c /tmp/mailbench/dovecot/dovecot.conf) and
mailwarden (bin/mailwarden --config /tmp/mailwarden-imap-bench/mailwarden.toml serve) on the
corpus bench/imap.sh populated, then: python3 bench/imap_steady.py [CRITERION...]"""
import socket, time, sys
def run(port, user, pw, crit, n=500):
    s=socket.create_connection(('127.0.0.1',port)); f=s.makefile('rb'); f.readline(); c=[0]
    def cmd(x):
        c[0]+=1; tag=b'a%d'%c[0]; s.sendall(tag+b' '+x+b'\r\n')
        while True:
            l=f.readline()
            if l.startswith(tag+b' '): return
    cmd(b'LOGIN '+user+b' '+pw); cmd(b'EXAMINE INBOX')
    for i in range(20): cmd(b'UID SEARCH '+crit)
    ts=[]
    for i in range(n):
        t=time.perf_counter(); cmd(b'UID SEARCH '+crit); ts.append(time.perf_counter()-t)
    ts.sort(); s.close()
    return ts[n//2]*1000
for crit in [c.encode() for c in (sys.argv[1:] or ['UNSEEN'])]:
    for r in range(3):
        d=run(20143,b'bench',b'benchpass',crit); m=run(1643,b'bench@bench.test',b'benchpass',crit)
        print(crit.decode(), 'dovecot %.3f ms  mailwarden %.3f ms  ratio %.2f'%(d,m,d/m))
