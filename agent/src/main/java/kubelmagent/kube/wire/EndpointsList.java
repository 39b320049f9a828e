package kubelmagent.kube.wire;

import java.util.List;

/** {@code GET /api/v1/namespaces/{ns}/endpoints}: an {@code EndpointsList}, the core/v1 Endpoints of a namespace. */
public record EndpointsList(ListMeta metadata, List<Endpoints> items) implements ListPage<Endpoints> {

    public EndpointsList {
        items = items == null ? List.of() : items;
    }
}
