# Calls tests/fixtures/ext_threads.c from several threads: the lock C code runs under is
# held during calls, released by Py_BEGIN_ALLOW_THREADS, taken by threads C starts.
# Run under CPython 3.11 and DX-Py; the outputs must match.
import threading

import ext_threads as m

print("gil_check", m.gil_check())
print("thread_dict", m.thread_dict())
print("thread_state", m.thread_state())
print("ensure_nested", m.ensure_nested())

# A released lock lets another thread call into C meanwhile.
setter = threading.Thread(target=lambda: (__import__("time").sleep(0.05), m.set_flag()))
setter.start()
print("wait_for_flag", m.wait_for_flag())
setter.join()

# Calls into C from several Python threads are serialised.
workers = [threading.Thread(target=m.bump, args=(20000,)) for _ in range(4)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print("counter", m.get_counter())

# A thread C starts takes the lock with PyGILState_Ensure and uses the C-API.
state, text = m.foreign_thread(5)
print("foreign_thread", state, text)
state, text = m.foreign_thread(3)
print("foreign_thread again", state, text)

# Threads that are not the main thread work the same.
out = []
t = threading.Thread(target=lambda: out.append((m.gil_check(), m.thread_dict(), m.foreign_thread(2))))
t.start()
t.join()
print("from a thread", out)
