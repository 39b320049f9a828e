package kubelmagent.loadmaster;

import kubelmagent.model.Member;
import kubelmagent.model.VirtualService;
import kubelmagent.model.VirtualServiceId;

/**
 * The LoadMaster operations a reconcile pass needs. Implementations are thread-safe: with
 * {@code loadmaster.maxInFlight} above 1, a pass sends writes to different Virtual Services at the same time
 * (never two at once to one VS).
 */
public interface LoadMaster {

    /**
     * Which LoadMaster this is, as the ownership ledger records it: the base URL of its API in one canonical
     * form (lower-case host, canonical IP, no default port), e.g. {@code https://10.0.0.2}.
     */
    String address();

    /**
     * Reads every Virtual Service, SubVSs included, with its Real Servers, in one call ({@code listvs}): what a
     * pass reads. A LoadMaster without Virtual Services answers an empty list. A VS the agent cannot read is
     * in {@link VirtualServiceList#unreadable()}, with why; a VS not in the list does not exist.
     *
     * @throws LoadMasterException on any failure, including an answer that cannot be read as a whole; then
     *                             nothing is known about any VS
     */
    VirtualServiceList listVirtualServices() throws LoadMasterException;

    /**
     * Reads one Virtual Service and its Real Servers ({@code showvs}): after a refused add, to see whether the
     * VS holds the Real Server after all.
     *
     * @throws UnknownVirtualServiceException if the LoadMaster answers {@code Unknown VS}
     * @throws LoadMasterException            on any other failure
     */
    VirtualService showVirtualService(VirtualServiceId vs) throws LoadMasterException;

    /**
     * Whether the LoadMaster accepts Real Servers outside its own subnets: the global "Enable Non-Local
     * Real Servers" ({@code get param=nonlocalrs}), off on a factory-new appliance.
     *
     * @throws LoadMasterException if the LoadMaster cannot be asked
     */
    boolean nonLocalRealServersEnabled() throws LoadMasterException;

    /** Adds a Real Server with the LoadMaster's defaults ({@code addrs}). */
    void addRealServer(VirtualServiceId vs, Member member) throws LoadMasterException;

    /** Deletes a Real Server by address and port ({@code delrs}). */
    void deleteRealServer(VirtualServiceId vs, Member member) throws LoadMasterException;

    /**
     * Enables or disables a Real Server by address and port ({@code modrs enable=Y|N}). A disabled
     * Real Server stays in the Virtual Service but gets no new connections.
     */
    void setRealServerEnabled(VirtualServiceId vs, Member member, boolean enabled) throws LoadMasterException;
}
