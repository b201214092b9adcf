#!/usr/bin/env python3
"""Async frame sizes of a release binary: how many bytes each async function's frame takes.

Every Swift async function has an "async function pointer" symbol (mangled name ending in `Tu`):
a 32-bit relative pointer to the function, then the 32-bit size of the context (frame) its caller
allocates from the task's allocator. A task waiting somewhere holds the frames of every async
function on its stack, so for a gateway holding thousands of calls the sizes of the frames on
the waiting path are its memory per call. Inlined code counts in the caller's frame.

Usage: scripts/async-frames.py BINARY [SYMBOL_SUBSTRING] [COUNT]
  e.g. scripts/async-frames.py .build-release/x86_64-unknown-linux-gnu/release/Gateway GatewayCore 30
Needs readelf and nm (binutils) and swift-demangle (the Swift toolchain).
"""
import subprocess, sys, struct
binary = sys.argv[1]; pat = sys.argv[2] if len(sys.argv) > 2 else ''
# section table for vaddr->file offset
sections = []  # (address, file offset, size, name)
out = subprocess.run(['readelf','-SW',binary],capture_output=True,text=True).stdout
for line in out.splitlines():
    line=line.strip()
    if line.startswith('[') and ']' in line:
        parts = line.split(']')[1].split()
        if len(parts) >= 5:
            try:
                addr=int(parts[2],16); off=int(parts[3],16); size=int(parts[4],16)
                if addr: sections.append((addr,off,size,parts[0]))
            except: pass
data=open(binary,'rb').read()
def file_offset(a):
    for addr,off,size,n in sections:
        if addr<=a<addr+size and n!='.bss': return off+(a-addr)
nm = subprocess.run(['nm','--defined-only',binary],capture_output=True,text=True).stdout
rows=[]
for line in nm.splitlines():
    p=line.split()
    if len(p)!=3: continue
    sym=p[2]
    if not sym.endswith('Tu'): continue
    if pat and pat not in sym: continue
    o=file_offset(int(p[0],16))
    if o is None: continue
    rel,size=struct.unpack('<iI',data[o:o+8])
    rows.append((size,sym))
rows.sort(reverse=True)
syms=[s for _,s in rows[:int(sys.argv[3]) if len(sys.argv)>3 else 40]]
dem=subprocess.run(['swift-demangle','--simplified','--compact'],input='\n'.join(syms),capture_output=True,text=True).stdout.splitlines()
for (size,_),d in zip(rows,dem): print(size, d[:200])
