package kubelmagent.simulator;

import java.util.ArrayList;
import java.util.List;
import kubelmagent.simulator.VsFields.Field;
import kubelmagent.simulator.VsFields.Kind;

/** Turns replies into {@link Entries} in the element order of the captured answers. */
final class Views {

    private Views() {}

    /** The content of {@code <Data>} (XML) or the top-level fields (JSON); null for a message. */
    static Entries data(Reply reply, Format format) {
        if (reply instanceof Reply.OneVs one) {
            return virtualService(one.vs(), format);
        }
        if (reply instanceof Reply.AllVs all) {
            List<Entries> items = new ArrayList<>();
            for (SimVirtualService vs : all.list()) {
                items.add(virtualService(vs, format));
            }
            return new Entries().group("VS", items);
        }
        if (reply instanceof Reply.OneRs one) {
            return new Entries().group("Rs", List.of(realServer(one.rs())));
        }
        if (reply instanceof Reply.Parameter p) {
            return new Entries().text(p.name(), p.value());
        }
        return null;
    }

    static Entries virtualService(SimVirtualService vs, Format format) {
        Entries e = new Entries();
        for (Field f : VsFields.order(format)) {
            if (f.derived()) {
                derived(e, f, vs);
            } else if (f.kind() == Kind.OPTS) {
                e.opts(f.name(), VsFields.opts(f));
            } else {
                String value = vs.setting(f.name());
                if (!(f.optional() && value.isEmpty())) {
                    e.leaf(f.name(), f.kind(), value);
                }
            }
        }
        List<Entries> rs = new ArrayList<>();
        for (SimRealServer r : vs.realServers()) {
            rs.add(realServer(r));
        }
        e.group("Rs", rs);
        List<Entries> subs = new ArrayList<>();
        for (SimSubVs s : vs.subVs()) {
            subs.add(subVs(s));
        }
        e.group("SubVS", subs);
        return e;
    }

    private static void derived(Entries e, Field f, SimVirtualService vs) {
        switch (f.name()) {
            case "Status":
                e.text("Status", vs.status());
                break;
            case "Index":
                e.number("Index", vs.index());
                break;
            case "VSAddress":
                if (!vs.isSubVs()) {
                    e.text("VSAddress", vs.address());
                }
                break;
            case "VSPort":
                e.leaf("VSPort", Kind.NUMTEXT, Integer.toString(vs.port()));
                break;
            case "Layer":
                e.number("Layer", "Y".equals(vs.setting("ForceL4")) ? 4 : 7);
                break;
            case "Protocol":
                e.text("Protocol", vs.protocol());
                break;
            case "MasterVS":
                e.number("MasterVS", vs.subVs().size());
                break;
            case "MasterVSID":
                e.number("MasterVSID", vs.masterVsId());
                break;
            case "NumberOfRSs":
                // On a parent the SubVS slots count too (python SDK sample: a parent with two SubVSs shows 2).
                e.number("NumberOfRSs", vs.realServers().size() + vs.subVs().size());
                break;
            default:
                throw new IllegalStateException("no value for derived field " + f.name());
        }
    }

    static Entries realServer(SimRealServer r) {
        return new Entries()
                .text("Status", r.status())
                .number("VSIndex", r.vsIndex())
                .number("RsIndex", r.rsIndex())
                .text("Addr", r.addr())
                .number("Port", r.port())
                .text("DnsName", r.dnsName())
                .text("Forward", r.forward())
                .number("Weight", r.weight())
                .number("Limit", r.limit())
                .number("RateLimit", r.rateLimit())
                .number("Follow", r.follow())
                .flag("Enable", r.enabled())
                .flag("Critical", r.critical())
                .number("Nrules", r.nrules());
    }

    static Entries subVs(SimSubVs s) {
        return new Entries()
                .text("Status", s.status())
                .number("VSIndex", s.vsIndex())
                .number("RsIndex", s.rsIndex())
                .text("Name", s.name())
                .text("Forward", s.forward())
                .number("Weight", s.weight())
                .number("Limit", s.limit())
                .flag("Enable", s.enabled())
                .flag("Critical", s.critical());
    }
}
