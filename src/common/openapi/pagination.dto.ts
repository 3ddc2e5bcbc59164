import type { Pagination } from '../http/pagination';

/** The `pagination` object of every paged listing (`src/common/http/pagination.ts` computes it). */
export class PaginationDto implements Pagination {
  current_page!: number;
  total_pages!: number;
  total_items!: number;
  items_per_page!: number;
  has_next!: boolean;
  has_previous!: boolean;
}
