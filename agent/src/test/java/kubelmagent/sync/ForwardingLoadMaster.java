package kubelmagent.sync;

import kubelmagent.loadmaster.LoadMaster;
import kubelmagent.loadmaster.LoadMasterException;
import kubelmagent.loadmaster.VirtualServiceList;
import kubelmagent.model.Member;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/** A LoadMaster that passes every call on to another; a test overrides the calls it wants to go otherwise. */
class ForwardingLoadMaster implements LoadMaster {

    private final LoadMaster to;

    ForwardingLoadMaster(LoadMaster to) {
        this.to = to;
    }

    @Override
    public String address() {
        return to.address();
    }

    @Override
    public VirtualServiceList listVirtualServices() throws LoadMasterException {
        return to.listVirtualServices();
    }

    @Override
    public VirtualService showVirtualService(VirtualServiceId vs) throws LoadMasterException {
        return to.showVirtualService(vs);
    }

    @Override
    public boolean nonLocalRealServersEnabled() throws LoadMasterException {
        return to.nonLocalRealServersEnabled();
    }

    @Override
    public void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        to.addRealServer(vs, member);
    }

    @Override
    public void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException {
        to.deleteRealServer(vs, member);
    }

    @Override
    public void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled) throws LoadMasterException {
        to.setRealServerEnabled(vs, member, enabled);
    }
}
