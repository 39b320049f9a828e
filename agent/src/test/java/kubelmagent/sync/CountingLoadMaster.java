package kubelmagent.sync;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualServiceId;

/** A LoadMaster that notes each write sent through it ({@code add 10.244.1.1:8080}), in order, to {@link #log}. */
class CountingLoadMaster extends ForwardingLoadMaster {

    final List<String> log;

    /** @param log where to note the writes: a list of this one's own, or one shared with other notes */
    CountingLoadMaster(LoadMaster to, List<String> log) {
        super(to);
        this.log = log;
    }

    CountingLoadMaster(LoadMaster to) {
        this(to, new CopyOnWriteArrayList<>());
    }

    @Override
    public void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        log.add("add " + member);
        super.addRealServer(vs, member);
    }

    @Override
    public void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        log.add("remove " + member);
        super.deleteRealServer(vs, member);
    }

    @Override
    public void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled) throws LoadMasterException {
        log.add((enabled ? "enable " : "disable ") + member);
        super.setRealServerEnabled(vs, member, enabled);
    }
}
