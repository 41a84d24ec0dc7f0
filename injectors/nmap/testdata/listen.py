import socket,sys,time,threading
# usage: listen.py host:port:mode ...   mode: banner|silent|full
socks=[]
def serve(s, mode):
    while True:
        c,_=s.accept()
        if mode=='banner':
            try: c.sendall(b'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n')
            except: pass
        socks.append(c)
for spec in sys.argv[1:]:
    h,p,mode=spec.rsplit(':',2)
    fam=socket.AF_INET6 if ':' in h else socket.AF_INET
    s=socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind((h,int(p)))
    if mode=='full':
        s.listen(0)
        # fill the accept queue, never accept
        for i in range(8):
            c=socket.socket(fam); c.setblocking(False)
            try: c.connect((h,int(p)))
            except: pass
            socks.append(c)
    else:
        s.listen(16)
        threading.Thread(target=serve,args=(s,mode),daemon=True).start()
    socks.append(s)
time.sleep(float(60))
