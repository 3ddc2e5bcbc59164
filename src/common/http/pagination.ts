/** The `pagination` object beside `data` in a paged list (the shape of the advanced users list). */
export interface Pagination {
  current_page: number;
  total_pages: number;
  total_items: number;
  items_per_page: number;
  has_next: boolean;
  has_previous: boolean;
}

export function paginationOf(page: number, limit: number, total: number): Pagination {
  const totalPages = Math.ceil(total / limit);
  return {
    current_page: page,
    total_pages: totalPages,
    total_items: total,
    items_per_page: limit,
    has_next: page < totalPages,
    has_previous: page > 1,
  };
}
