package kubelmagent.kube.wire;

import java.util.List;

/** {@code GET /apis/{group}}: an {@code APIGroup} discovery document. */
public record ApiGroup(String name, List<GroupVersion> versions, GroupVersion preferredVersion) {

    public ApiGroup {
        versions = versions == null ? List.of() : versions;
    }

    public boolean serves(String version) {
        return versions.stream().anyMatch(v -> version.equals(v.version()));
    }

    /** {@code versions[]}, e.g. {@code {"groupVersion": "discovery.k8s.io/v1", "version": "v1"}}. */
    public record GroupVersion(String groupVersion, String version) {}
}
