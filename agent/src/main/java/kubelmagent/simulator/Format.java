package kubelmagent.simulator;

/** The two API flavours: APIv1 ({@code /access/<cmd>}, XML) and APIv2 ({@code /accessv2}, JSON). */
enum Format {
    XML,
    JSON
}
