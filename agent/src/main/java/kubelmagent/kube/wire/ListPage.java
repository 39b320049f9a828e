package kubelmagent.kube.wire;

import java.util.List;

/** One page of a paginated list ({@code limit} / {@code continue}). */
public interface ListPage<T> {

    /** May be null if the server sent none. */
    ListMeta metadata();

    List<T> items();
}
