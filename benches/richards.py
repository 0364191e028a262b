"""Richards: Martin Richards' operating-system task scheduler simulation (object-heavy:
attribute access, method calls, small classes). A compact rewrite of the classic benchmark.

Usage: richards.py [ITERATIONS]   (default 10). Prints only the checksum line.
"""
import sys

I_IDLE, I_WORK, I_HANDLERA, I_HANDLERB, I_DEVA, I_DEVB = 1, 2, 3, 4, 5, 6
K_DEV, K_WORK = 1000, 1001
BUFSIZE = 4


class Packet:
    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFSIZE

    def append_to(self, lst):
        self.link = None
        if lst is None:
            return self
        p = lst
        while p.link is not None:
            p = p.link
        p.link = self
        return lst


class TaskState:
    def __init__(self):
        self.packet_pending = True
        self.task_waiting = False
        self.task_holding = False

    def packet_pending_state(self):
        self.packet_pending, self.task_waiting, self.task_holding = True, False, False
        return self

    def waiting(self):
        self.packet_pending, self.task_waiting, self.task_holding = False, True, False
        return self

    def running(self):
        self.packet_pending, self.task_waiting, self.task_holding = False, False, False
        return self

    def waiting_with_packet(self):
        self.packet_pending, self.task_waiting, self.task_holding = True, True, False
        return self

    def is_held_or_suspended(self):
        return self.task_holding or (not self.packet_pending and self.task_waiting)

    def is_waiting_with_packet(self):
        return self.packet_pending and self.task_waiting and not self.task_holding


class Record:
    pass


class DeviceRec(Record):
    def __init__(self):
        self.pending = None


class IdleRec(Record):
    def __init__(self):
        self.control = 1
        self.count = 10000


class HandlerRec(Record):
    def __init__(self):
        self.work_in = None
        self.device_in = None

    def work_in_add(self, p):
        self.work_in = p.append_to(self.work_in)
        return self.work_in

    def device_in_add(self, p):
        self.device_in = p.append_to(self.device_in)
        return self.device_in


class WorkerRec(Record):
    def __init__(self):
        self.destination = I_HANDLERA
        self.count = 0


class Scheduler:
    def __init__(self):
        self.task_tab = [None] * 10
        self.task_list = None
        self.hold_count = 0
        self.qpkt_count = 0
        self.current = None
        self.current_id = 0
        self.trace = False


class Task(TaskState):
    def __init__(self, sched, ident, priority, work_in, state, rec):
        super().__init__()
        self.sched = sched
        self.link = sched.task_list
        self.ident = ident
        self.priority = priority
        self.input = work_in
        self.packet_pending = state.packet_pending
        self.task_waiting = state.task_waiting
        self.task_holding = state.task_holding
        self.rec = rec
        sched.task_list = self
        sched.task_tab[ident] = self

    def add_packet(self, p, old):
        if self.input is None:
            self.input = p
            self.packet_pending = True
            if self.priority > old.priority:
                return self
        else:
            p.append_to(self.input)
        return old

    def run_task(self):
        if self.is_waiting_with_packet():
            msg = self.input
            self.input = msg.link
            if self.input is None:
                self.running()
            else:
                self.packet_pending_state()
        else:
            msg = None
        return self.fn(msg, self.rec)

    def wait_task(self):
        self.task_waiting = True
        return self

    def hold(self):
        self.sched.hold_count += 1
        self.task_holding = True
        return self.link

    def release(self, ident):
        t = self.find(ident)
        t.task_holding = False
        if t.priority > self.priority:
            return t
        return self

    def qpkt(self, pkt):
        t = self.find(pkt.ident)
        self.sched.qpkt_count += 1
        pkt.link = None
        pkt.ident = self.sched.current_id
        return t.add_packet(pkt, self)

    def find(self, ident):
        t = self.sched.task_tab[ident]
        if t is None:
            raise RuntimeError("bad task id %d" % ident)
        return t


class DeviceTask(Task):
    def fn(self, pkt, rec):
        if pkt is None:
            pkt = rec.pending
            if pkt is None:
                return self.wait_task()
            rec.pending = None
            return self.qpkt(pkt)
        rec.pending = pkt
        return self.hold()


class HandlerTask(Task):
    def fn(self, pkt, rec):
        if pkt is not None:
            if pkt.kind == K_WORK:
                rec.work_in_add(pkt)
            else:
                rec.device_in_add(pkt)
        work = rec.work_in
        if work is None:
            return self.wait_task()
        count = work.datum
        if count >= BUFSIZE:
            rec.work_in = work.link
            return self.qpkt(work)
        dev = rec.device_in
        if dev is None:
            return self.wait_task()
        rec.device_in = dev.link
        dev.datum = work.data[count]
        work.datum = count + 1
        return self.qpkt(dev)


class IdleTask(Task):
    def fn(self, pkt, rec):
        rec.count -= 1
        if rec.count == 0:
            return self.hold()
        if rec.control & 1 == 0:
            rec.control //= 2
            return self.release(I_DEVA)
        rec.control = rec.control // 2 ^ 0xD008
        return self.release(I_DEVB)


class WorkTask(Task):
    def fn(self, pkt, rec):
        if pkt is None:
            return self.wait_task()
        dest = I_HANDLERB if rec.destination == I_HANDLERA else I_HANDLERA
        rec.destination = dest
        pkt.ident = dest
        pkt.datum = 0
        for i in range(BUFSIZE):
            rec.count += 1
            if rec.count > 26:
                rec.count = 1
            pkt.data[i] = ord("A") + rec.count - 1
        return self.qpkt(pkt)


def schedule(sched):
    t = sched.task_list
    while t is not None:
        if t.is_held_or_suspended():
            t = t.link
        else:
            sched.current_id = t.ident
            t = t.run_task()


def run_once():
    sched = Scheduler()
    IdleTask(sched, I_IDLE, 1, None, TaskState().running(), IdleRec())
    wkq = Packet(None, 0, K_WORK)
    wkq = Packet(wkq, 0, K_WORK)
    WorkTask(sched, I_WORK, 1000, wkq, TaskState().waiting_with_packet(), WorkerRec())
    wkq = Packet(None, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    wkq = Packet(wkq, I_DEVA, K_DEV)
    HandlerTask(sched, I_HANDLERA, 2000, wkq, TaskState().waiting_with_packet(), HandlerRec())
    wkq = Packet(None, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    wkq = Packet(wkq, I_DEVB, K_DEV)
    HandlerTask(sched, I_HANDLERB, 3000, wkq, TaskState().waiting_with_packet(), HandlerRec())
    DeviceTask(sched, I_DEVA, 4000, None, TaskState().waiting(), DeviceRec())
    DeviceTask(sched, I_DEVB, 5000, None, TaskState().waiting(), DeviceRec())
    schedule(sched)
    return sched.qpkt_count, sched.hold_count


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    total_q = total_h = 0
    for _ in range(iterations):
        q, h = run_once()
        total_q += q
        total_h += h
    print("checksum", total_q, total_h)


main()
