import http.server,os,socket,ssl,sys,time,threading
# usage: listen.py host:port:mode ...   mode: banner|silent|full|tls|unknown|close
# unknown: a banner of a protocol nmap knows no probe match for; close: each
# connection closed as soon as accepted (nmap -sV: tcpwrapped)
# tls: HTTP behind TLS, with the certificate and key $TLS_DIR/cert.pem, key.pem
socks=[]
class TLSHTTP(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length','0'); self.end_headers()
    def log_message(self,*a): pass
def answer_tls(c, ctx):
    try:
        peer=c.getpeername()
        TLSHTTP(ctx.wrap_socket(c, server_side=True), peer, None)
    except Exception: pass
def serve_tls(s):
    ctx=ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    d=os.environ['TLS_DIR']
    ctx.load_cert_chain(os.path.join(d,'cert.pem'), os.path.join(d,'key.pem'))
    while True:
        c,_=s.accept()
        threading.Thread(target=answer_tls,args=(c,ctx),daemon=True).start()
def serve(s, mode):
    while True:
        c,_=s.accept()
        if mode=='banner':
            try: c.sendall(b'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n')
            except: pass
        elif mode=='unknown':
            try: c.sendall(b'\x00\x01ZQXW-weird-proto 7.1 ready\r\n\xff\xfe')
            except: pass
        elif mode=='close':
            c.close()
            continue
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
    elif mode=='tls':
        s.listen(16)
        threading.Thread(target=serve_tls,args=(s,),daemon=True).start()
    else:
        s.listen(16)
        threading.Thread(target=serve,args=(s,mode),daemon=True).start()
    socks.append(s)
time.sleep(float(600)) # capture.sh kills it once done; its -sV scans take minutes
